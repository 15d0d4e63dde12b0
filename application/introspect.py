from __future__ import annotations

from dataclasses import dataclass

from application.ports import AccessClaims, AccessTokenService, UnitOfWork
from domain.errors import NotAuthenticated


@dataclass(frozen=True, slots=True)
class TokenStatus:
    """RFC 7662's answer: `claims` only when the token is active."""

    active: bool
    claims: AccessClaims | None = None


class Introspect:
    """Whether an access token still stands, for a service that must know of a revocation at once: good,
    unexpired, and issued after the account's last password change, for an account that still exists."""

    def __init__(self, *, uow: UnitOfWork, access_tokens: AccessTokenService) -> None:
        self._uow = uow
        self._access_tokens = access_tokens

    async def execute(self, token: str) -> TokenStatus:
        try:
            claims = await self._access_tokens.decode(token)
        except NotAuthenticated:
            return TokenStatus(active=False)
        async with self._uow as uow:
            user = await uow.users.get(claims.user_id)
        if user is None or user.issued_before_password_change(claims.issued_at):
            return TokenStatus(active=False)
        return TokenStatus(active=True, claims=claims)
