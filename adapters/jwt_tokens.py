"""Access tokens as JWTs (PyJWT), verified with our clock so expiry is testable."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt

from application.ports import Clock
from domain.errors import NotAuthenticated


class JwtAccessTokenService:
    def __init__(self, *, secret: str, algorithm: str, clock: Clock) -> None:
        self._secret = secret
        self._algorithm = algorithm
        self._clock = clock

    def issue(self, user_id: uuid.UUID, role: str, issued_at: datetime, ttl: timedelta) -> str:
        # iat keeps sub-second precision so a token issued just after a password change stays valid.
        claims = {"sub": str(user_id), "role": role, "type": "access", "jti": uuid.uuid4().hex,
                  "iat": issued_at.timestamp(), "exp": int((issued_at + ttl).timestamp())}
        return jwt.encode(claims, self._secret, algorithm=self._algorithm)

    def decode(self, token: str) -> tuple[uuid.UUID, datetime]:
        try:
            claims = jwt.decode(token, self._secret, algorithms=[self._algorithm],
                                options={"require": ["sub", "exp", "iat"], "verify_exp": False,
                                         "verify_iat": False})
            expires = float(claims["exp"])
            issued_at = datetime.fromtimestamp(float(claims["iat"]), UTC)
            user_id = uuid.UUID(str(claims["sub"]))
        except (jwt.PyJWTError, ValueError, TypeError, OverflowError):
            raise NotAuthenticated("The access token is invalid.", "Log in again.") from None
        if claims.get("type") != "access":
            raise NotAuthenticated("The access token is invalid.", "Log in again.")
        if expires <= self._clock.now().timestamp():
            raise NotAuthenticated("The access token has expired.", "Use your refresh token, or log in again.")
        return user_id, issued_at
