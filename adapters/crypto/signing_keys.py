"""Asymmetric keys for access tokens (EdDSA, ES256, RS256), kept in the database for every instance.

A key is published (in the JWKS) from its creation, signs from its activation, and after it retires stays
published until the last token it signed has expired. Rotation publishes the new key a cache lifetime
before it signs, so every verifier that caches the key set has it first; no instance needs a restart.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.crypto.sealed_secrets import AesGcmSealer
from adapters.sqlalchemy.storage_errors import connect
from adapters.sqlalchemy.tables import signing_keys
from application.ports.clock import Clock

ASYMMETRIC = ("EdDSA", "ES256", "RS256")
_TO_JWK: dict[str, Callable[..., dict[str, Any]]] = {
    "EdDSA": OKPAlgorithm.to_jwk,
    "ES256": ECAlgorithm.to_jwk,
    "RS256": RSAAlgorithm.to_jwk,
}


def _generate(algorithm: str) -> Any:
    if algorithm == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class KeyBox:
    """AES-GCM under a key of its own (derived from JWT_SECRET): the private keys at rest. Opens with the
    keys of earlier master secrets too (`previous`), for rows sealed before a rotation."""

    def __init__(self, key: bytes, previous: Sequence[bytes] = ()) -> None:
        self.sealer = AesGcmSealer(key=key, previous=previous)

    def seal(self, kid: str, private_key: Any) -> str:
        plain = private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return self.sealer.seal_bytes(kid, plain)

    def open(self, kid: str, sealed: str) -> Any:
        # The kid is bound in: a sealed key moved to another row does not open (SealedUnderAnotherSecret).
        return serialization.load_der_private_key(self.sealer.open_bytes(kid, sealed), None)


@dataclass(frozen=True)
class SigningKey:
    kid: str
    algorithm: str
    public_jwk: dict[str, Any]
    created_at: datetime
    activates_at: datetime
    retires_at: datetime | None
    private_key: Any = None  # opened only when needed

    def state(self, now: datetime, token_lifetime: timedelta) -> str:
        if self.retires_at is not None and now >= self.retires_at + token_lifetime:
            return "withdrawn"
        if self.retires_at is not None and now >= self.retires_at:
            return "retired"
        return "active" if now >= self.activates_at else "published"


class KeyRing:
    """The keys, read from the database at most every `refresh_seconds` (and at once for an unknown kid,
    at most every `refresh_seconds` too, so forged kids cannot make it read on every request)."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        box: KeyBox,
        algorithm: str,
        clock: Clock,
        token_lifetime: timedelta,
        refresh_seconds: float = 10.0,
    ) -> None:
        self._engine = engine
        self._box = box
        self._algorithm = algorithm
        self._clock = clock
        self._token_lifetime = token_lifetime
        self._refresh_seconds = refresh_seconds
        self._keys: dict[str, SigningKey] = {}
        self._read_at = float("-inf")

    async def signing_key(self) -> SigningKey:
        """The newest active key of the configured algorithm; the first one is made when there is none."""
        await self._fresh()
        key = self._current()
        if key is None:
            await self.create(activates_in=timedelta(0))
            await self._read()
            key = self._current()
            assert key is not None
        return key

    async def verification_key(self, kid: str) -> SigningKey | None:
        await self._fresh()
        if kid not in self._keys and time.monotonic() - self._read_at >= min(self._refresh_seconds, 1.0):
            await self._read()  # a key made by another instance since the last read
        key = self._keys.get(kid)
        if key is None or key.state(self._clock.now(), self._token_lifetime) == "withdrawn":
            return None
        return key

    async def published(self) -> list[dict[str, Any]]:
        await self._fresh()
        now = self._clock.now()
        return [
            key.public_jwk
            for key in self._keys.values()
            if key.state(now, self._token_lifetime) != "withdrawn"
        ]

    async def all(self) -> list[SigningKey]:
        await self._read()
        return sorted(self._keys.values(), key=lambda key: key.created_at)

    async def create(self, activates_in: timedelta) -> SigningKey:
        """A new key of the configured algorithm, published now, signing after `activates_in`; the keys
        signing until then retire when it starts."""
        now = self._clock.now()
        kid, private_key = secrets.token_urlsafe(12), _generate(self._algorithm)
        jwk = {
            **_TO_JWK[self._algorithm](private_key.public_key(), as_dict=True),
            "kid": kid,
            "use": "sig",
            "alg": self._algorithm,
        }
        connection = await connect(self._engine)
        try:
            await connection.execute(
                update(signing_keys)
                .where(signing_keys.c.retires_at.is_(None))
                .values(retires_at=now + activates_in)
            )
            await connection.execute(
                insert(signing_keys).values(
                    kid=kid,
                    algorithm=self._algorithm,
                    public_jwk=json.dumps(jwk),
                    private_key=self._box.seal(kid, private_key),
                    created_at=now,
                    activates_at=now + activates_in,
                    retires_at=None,
                )
            )
            await connection.commit()
        finally:
            await connection.close()
        self._read_at = float("-inf")
        return SigningKey(kid, self._algorithm, jwk, now, now + activates_in, None)

    def _current(self) -> SigningKey | None:
        now = self._clock.now()
        active = [
            key
            for key in self._keys.values()
            if key.algorithm == self._algorithm
            and key.activates_at <= now
            and (key.retires_at is None or now < key.retires_at)
        ]
        return max(active, key=lambda key: key.activates_at, default=None)

    async def _fresh(self) -> None:
        if time.monotonic() - self._read_at >= self._refresh_seconds:
            await self._read()

    async def _read(self) -> None:
        connection = await connect(self._engine)
        try:
            rows = (await connection.execute(select(signing_keys))).mappings().all()
        finally:
            await connection.close()
        keys = {}
        for row in rows:
            known = self._keys.get(row["kid"])
            keys[row["kid"]] = SigningKey(
                kid=row["kid"],
                algorithm=row["algorithm"],
                public_jwk=json.loads(row["public_jwk"]),
                created_at=row["created_at"],
                activates_at=row["activates_at"],
                retires_at=row["retires_at"],
                private_key=known.private_key
                if known and known.private_key
                else self._box.open(row["kid"], row["private_key"]),
            )
        self._keys, self._read_at = keys, time.monotonic()
