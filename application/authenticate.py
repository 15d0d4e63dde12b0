from __future__ import annotations

import uuid
from collections.abc import Set
from dataclasses import dataclass

from application.ports import AccessClaims, AccessTokenService, UnitOfWork
from application.views import UserView
from domain.errors import NotAuthenticated
from domain.user import Role, User


@dataclass(frozen=True, slots=True)
class Caller:
    user: UserView
    session_id: uuid.UUID | None  # the session the access token was issued for; None for older tokens


class Authenticate:
    """Resolves a bearer access token to its account; tokens issued before a password change, and every
    token of a disabled account, are refused.

    With `roles`, the account must hold one of them, and an unverified account is refused before its role
    is looked at.
    """

    def __init__(self, *, uow: UnitOfWork, access_tokens: AccessTokenService) -> None:
        self._uow = uow
        self._access_tokens = access_tokens

    async def execute(self, access_token: str, roles: Set[Role] | None = None) -> Caller:
        claims = await self._access_tokens.decode(access_token)
        async with self._uow as uow:
            user = await uow.users.get(claims.user_id)
        return Caller(UserView.of(admitted(user, claims, roles)), claims.session_id)


def admitted(user: User | None, claims: AccessClaims, roles: Set[Role] | None = None) -> User:
    """The token's account, if the token still speaks for it; NotAuthenticated, AccountDisabled or
    Forbidden otherwise."""
    if user is None or user.issued_before_password_change(claims.issued_at):
        raise NotAuthenticated("The access token is no longer valid.", "Log in again.")
    user.require_enabled()
    if roles is not None:
        user.require_role(frozenset(roles))
    return user
