"""Access tokens as JWTs after RFC 9068 (PyJWT), verified with our clock so expiry is testable.

Signed with EdDSA, ES256 or RS256 by the keys of a KeyRing, whose public halves other services fetch from
/.well-known/jwks.json; or, for a Bookly deployment that names it, with HS256 and JWT_SECRET.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from adapters.crypto.signing_keys import KeyRing
from application.ports.clock import Clock
from domain.errors import NotAuthenticated
from domain.factors import Proof
from domain.sessions import AccessClaims
from domain.user import User

TOKEN_TYPE = "at+jwt"


class JwtAccessTokenService:
    def __init__(
        self,
        *,
        secret: str,
        algorithm: str,
        clock: Clock,
        issuer: str,
        audience: str,
        keys: KeyRing | None = None,
        include_email: bool = False,
        client_id: str = "bookly-accounts",
    ) -> None:
        self._secret = secret
        self._algorithm = algorithm
        self._clock = clock
        self._issuer = issuer
        self._audience = audience
        self._keys = keys if algorithm.startswith(("EdDSA", "ES", "RS")) else None
        self._include_email = include_email
        self._client_id = client_id

    async def issue(
        self,
        user: User,
        issued_at: datetime,
        ttl: timedelta,
        session_id: uuid.UUID | None = None,
        proof: Proof | None = None,
    ) -> str:
        # iat keeps sub-second precision so a token issued just after a password change stays valid.
        claims: dict[str, Any] = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": str(user.id),
            "client_id": self._client_id,
            "iat": issued_at.timestamp(),
            "exp": int((issued_at + ttl).timestamp()),
            "jti": uuid.uuid4().hex,
            "role": user.role.value,
            "email_verified": user.is_verified,
        }
        if session_id is not None:
            claims["sid"] = str(session_id)
        if proof is not None:
            claims["auth_time"] = int(proof.auth_time.timestamp())
            claims["amr"] = proof.words()
        if self._include_email:
            claims["email"] = str(user.email)
        if self._keys is None:
            return jwt.encode(claims, self._secret, algorithm=self._algorithm, headers={"typ": TOKEN_TYPE})
        key = await self._keys.signing_key()
        return jwt.encode(
            claims, key.private_key, algorithm=key.algorithm, headers={"typ": TOKEN_TYPE, "kid": key.kid}
        )

    async def decode(self, token: str) -> AccessClaims:
        try:
            header = jwt.get_unverified_header(token)
            if header.get("typ") != TOKEN_TYPE or header.get("alg") != self._algorithm:
                raise jwt.InvalidTokenError("not one of our access tokens")
            claims = jwt.decode(
                token,
                await self._verification_key(header),
                algorithms=[self._algorithm],
                audience=self._audience,
                issuer=self._issuer,
                options={
                    "require": ["sub", "exp", "iat", "iss", "aud"],
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
            access = AccessClaims(
                user_id=uuid.UUID(str(claims["sub"])),
                role=str(claims.get("role", "")),
                issued_at=datetime.fromtimestamp(float(claims["iat"]), UTC),
                expires_at=datetime.fromtimestamp(float(claims["exp"]), UTC),
                email_verified=bool(claims.get("email_verified")),
                session_id=uuid.UUID(str(claims["sid"])) if "sid" in claims else None,
                proof=_proof(claims),
            )
        except (jwt.PyJWTError, ValueError, TypeError, OverflowError, KeyError):
            raise NotAuthenticated("The access token is invalid.", "Log in again.") from None
        if access.expires_at <= self._clock.now():
            raise NotAuthenticated(
                "The access token has expired.", "Use your refresh token, or log in again."
            )
        return access

    async def _verification_key(self, header: dict[str, Any]) -> Any:
        if self._keys is None:
            return self._secret
        key = await self._keys.verification_key(str(header.get("kid", "")))
        if key is None or key.algorithm != self._algorithm:
            raise jwt.InvalidTokenError("no published key has that kid")
        return key.private_key.public_key()


def _proof(claims: dict[str, Any]) -> Proof | None:
    if "auth_time" not in claims:
        return None
    amr = claims.get("amr", [])
    if not isinstance(amr, list) or not all(isinstance(word, str) for word in amr):
        raise ValueError("amr is not a list of words")
    return Proof.from_words(amr, datetime.fromtimestamp(int(claims["auth_time"]), UTC))
