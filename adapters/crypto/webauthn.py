"""The WebAuthn ceremony with py_webauthn (Duo Labs): the only module that imports it.

py_webauthn verifies; this adapter chooses its arguments (this service's RP id and origins, "none"
attestation, the options the issue asks for) and turns every failure, however hostile the input, into
InvalidPasskey: one error for a malformed response, a wrong origin, RP id or challenge, and a bad signature.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    generate_challenge,
    options_to_json,
    parse_client_data_json,
)
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from domain.errors import InvalidPasskey
from domain.passkeys import CHALLENGE_LIFETIME, CredentialClaims, NewCredential, VerifiedAssertion

MAX_CREDENTIAL_ID = 1023  # bytes, as WebAuthn bounds it (and the column holds)
MAX_CHALLENGE = 128  # characters of base64url, as the column holds: ours are 86
_TRANSPORTS = frozenset(t.value for t in AuthenticatorTransport)
_TIMEOUT_MS = int(CHALLENGE_LIFETIME.total_seconds() * 1000)


class PyWebauthnCeremony:
    def __init__(self, *, rp_id: str, rp_name: str, origins: Sequence[str]) -> None:
        self._rp_id = rp_id
        self._rp_name = rp_name
        self._origins = list(origins)

    def new_challenge(self) -> str:
        return bytes_to_base64url(generate_challenge())

    def registration_options(
        self,
        *,
        challenge: str,
        user_handle: bytes,
        user_name: str,
        display_name: str,
        exclude: Sequence[bytes],
    ) -> dict[str, Any]:
        options = generate_registration_options(
            rp_id=self._rp_id,
            rp_name=self._rp_name,
            user_id=user_handle,
            user_name=user_name,
            user_display_name=display_name,
            challenge=base64url_to_bytes(challenge),
            timeout=_TIMEOUT_MS,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.REQUIRED,
                user_verification=UserVerificationRequirement.PREFERRED,
            ),
            exclude_credentials=[PublicKeyCredentialDescriptor(id=c) for c in exclude],
        )
        return _plain(options_to_json(options))

    def authentication_options(self, *, challenge: str) -> dict[str, Any]:
        options = generate_authentication_options(
            rp_id=self._rp_id,
            challenge=base64url_to_bytes(challenge),
            timeout=_TIMEOUT_MS,
            user_verification=UserVerificationRequirement.PREFERRED,
        )
        plain = _plain(options_to_json(options))
        # None at all rather than an empty list: a discoverable sign-in names no credential.
        del plain["allowCredentials"]
        return plain

    def claims(self, credential: Mapping[str, Any]) -> CredentialClaims:
        try:
            raw_id = base64url_to_bytes(credential["rawId"])
            response = credential["response"]
            client_data = parse_client_data_json(base64url_to_bytes(response["clientDataJSON"]))
            handle = response.get("userHandle")
            user_handle = base64url_to_bytes(handle) if handle else None
        except Exception:  # any shape the JSON may take: KeyError, TypeError, binascii.Error, ...
            raise InvalidPasskey() from None
        challenge = bytes_to_base64url(client_data.challenge)
        if not raw_id or len(raw_id) > MAX_CREDENTIAL_ID or not challenge or len(challenge) > MAX_CHALLENGE:
            raise InvalidPasskey()
        return CredentialClaims(raw_id, challenge, user_handle)

    def verify_registration(self, credential: Mapping[str, Any], *, challenge: str) -> NewCredential:
        try:
            verified = verify_registration_response(
                credential=dict(credential),
                expected_challenge=base64url_to_bytes(challenge),
                expected_rp_id=self._rp_id,
                expected_origin=self._origins,
            )
        except Exception:  # py_webauthn's own errors, and whatever a hostile CBOR or JSON value raises
            raise InvalidPasskey() from None
        if len(verified.credential_id) > MAX_CREDENTIAL_ID:
            raise InvalidPasskey()
        transports = credential.get("response", {}).get("transports")
        known = [t for t in transports if t in _TRANSPORTS] if isinstance(transports, list) else []
        return NewCredential(
            credential_id=verified.credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            aaguid=verified.aaguid,
            backed_up=verified.credential_backed_up,
            user_verified=verified.user_verified,
            transports=tuple(dict.fromkeys(known)),
        )

    def verify_assertion(
        self, credential: Mapping[str, Any], *, challenge: str, public_key: bytes
    ) -> VerifiedAssertion:
        try:
            verified = verify_authentication_response(
                credential=dict(credential),
                expected_challenge=base64url_to_bytes(challenge),
                expected_rp_id=self._rp_id,
                expected_origin=self._origins,
                credential_public_key=public_key,
                # py_webauthn judges the counter before the signature: given the stored count, a forged
                # response with a low counter would be told apart from one with a bad signature, and be
                # recorded as a clone. Given 0 it judges nothing (0 never exceeds 0, a positive count always
                # does), and the caller applies the rule once the signature is known good.
                credential_current_sign_count=0,
            )
        except Exception:  # py_webauthn's own errors, and whatever a hostile value raises in its parsers
            raise InvalidPasskey() from None
        return VerifiedAssertion(
            sign_count=verified.new_sign_count,
            backed_up=verified.credential_backed_up,
            user_verified=verified.user_verified,
        )


def _plain(options_json: str) -> dict[str, Any]:
    # Through JSON, so the algorithm ids and the rest are plain values, not py_webauthn's enums.
    plain: dict[str, Any] = json.loads(options_json)
    return plain
