"""A software authenticator for the tests: it answers a service's WebAuthn options with the JSON a browser
sends (RegistrationResponseJSON, AuthenticationResponseJSON), made as an authenticator makes them
(WebAuthn Level 3 §6.1: authenticator data, "none" attestation, a COSE public key, the signature over
authData || SHA-256(clientDataJSON)), with cryptography and cbor2. soft-webauthn would do the same but
cannot be installed beside our cryptography.

Every knob a test needs is here: the key's algorithm (ES256 or EdDSA), the AAGUID, the flags (user
presence, user verification, backup eligible and backed up), the signature counter (counting, always zero,
or any value for one assertion), and the origin and RP id a response claims."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def from_b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Credential:
    """A passkey the authenticator holds: discoverable, so it keeps the account's user handle."""

    id: bytes
    rp_id: str
    user_handle: bytes
    key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
    sign_count: int = 0

    def cose_public_key(self) -> bytes:
        if isinstance(self.key, ed25519.Ed25519PrivateKey):
            raw = self.key.public_key().public_bytes_raw()
            return cbor2.dumps({1: 1, 3: -8, -1: 6, -2: raw})  # OKP, EdDSA, Ed25519
        numbers = self.key.public_key().public_numbers()
        x, y = numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: x, -3: y})  # EC2, ES256, P-256

    def sign(self, data: bytes) -> bytes:
        if isinstance(self.key, ed25519.Ed25519PrivateKey):
            return self.key.sign(data)
        return self.key.sign(data, ec.ECDSA(hashes.SHA256()))


@dataclass
class SoftAuthenticator:
    algorithm: Literal["ES256", "EdDSA"] = "ES256"
    aaguid: str = "00000000-0000-0000-0000-000000000000"
    user_verification: bool = True
    backup_eligible: bool = False
    backed_up: bool = False
    # Synced passkeys report 0 at every use; a security key counts up.
    always_zero: bool = False
    credentials: dict[bytes, Credential] = field(default_factory=dict)

    def register(
        self,
        options: dict[str, Any],
        *,
        origin: str,
        rp_id: str | None = None,
        uv: bool | None = None,
        client_data: dict[str, Any] | None = None,
        credential_id: bytes | None = None,
    ) -> dict[str, Any]:
        """navigator.credentials.create(options), as its JSON. `rp_id` and `client_data` lie, for tests
        that need a response from elsewhere; `credential_id` makes a credential with an id given (one
        registered already, say)."""
        rp_id = rp_id or options["rp"]["id"]
        excluded = {from_b64url(c["id"]) for c in options.get("excludeCredentials", [])}
        if excluded & set(self.credentials):
            raise ValueError("InvalidStateError: this authenticator holds an excluded credential")
        key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey = (
            ed25519.Ed25519PrivateKey.generate()
            if self.algorithm == "EdDSA"
            else ec.generate_private_key(ec.SECP256R1())
        )
        credential = Credential(
            credential_id or secrets.token_bytes(16),
            rp_id,
            from_b64url(options["user"]["id"]),
            key,
            sign_count=0,
        )
        self.credentials[credential.id] = credential
        attested = (
            uuid.UUID(self.aaguid).bytes
            + struct.pack(">H", len(credential.id))
            + credential.id
            + credential.cose_public_key()
        )
        auth_data = self._auth_data(rp_id, uv, 0, AT) + attested
        client = {
            "type": "webauthn.create",
            "challenge": options["challenge"],
            "origin": origin,
            "crossOrigin": False,
            **(client_data or {}),
        }
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": b64url(credential.id),
            "rawId": b64url(credential.id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(json.dumps(client).encode()),
                "attestationObject": b64url(attestation),
                "transports": ["internal", "hybrid"],
            },
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
        }

    def assertion(
        self,
        options: dict[str, Any],
        *,
        origin: str,
        rp_id: str | None = None,
        credential_id: bytes | None = None,
        sign_count: int | None = None,
        uv: bool | None = None,
        user_handle: bytes | Literal[False] | None = None,
    ) -> dict[str, Any]:
        """navigator.credentials.get(options), as its JSON: the only (or the named) credential for the RP.
        `sign_count` reports that count once; `user_handle` replaces the handle (False leaves it out)."""
        rp_id = rp_id or options["rpId"]
        credential = (
            self.credentials[credential_id]
            if credential_id is not None
            else next(c for c in self.credentials.values() if c.rp_id == options["rpId"])
        )
        if sign_count is None:
            if not self.always_zero:
                credential.sign_count += 1
            sign_count = 0 if self.always_zero else credential.sign_count
        auth_data = self._auth_data(rp_id, uv, sign_count, 0)
        client = json.dumps(
            {
                "type": "webauthn.get",
                "challenge": options["challenge"],
                "origin": origin,
                "crossOrigin": False,
            }
        ).encode()
        signature = credential.sign(auth_data + hashlib.sha256(client).digest())
        handle = credential.user_handle if user_handle is None else user_handle
        response: dict[str, Any] = {
            "clientDataJSON": b64url(client),
            "authenticatorData": b64url(auth_data),
            "signature": b64url(signature),
        }
        if handle is not False:
            response["userHandle"] = b64url(handle)
        return {
            "id": b64url(credential.id),
            "rawId": b64url(credential.id),
            "type": "public-key",
            "response": response,
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
        }

    def _auth_data(self, rp_id: str, uv: bool | None, sign_count: int, extra_flags: int) -> bytes:
        verified = self.user_verification if uv is None else uv
        flags = (
            UP
            | (UV if verified else 0)
            | (BE if self.backup_eligible else 0)
            | (BS if self.backed_up else 0)
            | extra_flags
        )
        return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", sign_count)
