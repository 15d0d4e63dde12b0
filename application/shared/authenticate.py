from __future__ import annotations

import uuid
from collections.abc import Set
from dataclasses import dataclass
from typing import Protocol

from application.ports.clock import Clock
from application.ports.sessions import AccessTokenService
from application.ports.unit_of_work import HasUsers, Transaction
from domain.errors import NotAuthenticated
from domain.factors import Proof
from domain.sessions import AccessClaims
from domain.user import BearerAccount, Role, User
from domain.views import UserView


class _Work(Transaction, HasUsers, Protocol): ...


@dataclass(frozen=True, slots=True)
class Caller:
    user: UserView
    session_id: uuid.UUID  # the session the access token was issued for
    proof: Proof | None = None  # the token's amr and auth_time


class Authenticate:
    """Resolves a bearer access token to its account; a token whose session has ended, one issued before a
    password change, and every token of a disabled account, are refused.

    With `roles`, the account must hold one of them, and an unverified account is refused before its role
    is looked at.
    """

    def __init__(self, *, uow: _Work, access_tokens: AccessTokenService, clock: Clock) -> None:
        self._uow = uow
        self._access_tokens = access_tokens
        self._clock = clock

    async def execute(self, access_token: str, roles: Set[Role] | None = None) -> Caller:
        claims = await self._access_tokens.decode(access_token)
        session_id = session_of(claims)
        async with self._uow as uow:
            found = await uow.users.get_for_bearer(claims.user_id, session_id, self._clock.now())
        return Caller(UserView.of(admitted(found, claims, roles)), session_id, claims.proof)


def session_of(claims: AccessClaims) -> uuid.UUID:
    """The token's session. Every access token this service signs names one (`sid`); one that names none
    cannot be shown to belong to a session still live, so it is refused as one whose session has ended."""
    if claims.session_id is None:
        raise NotAuthenticated("The access token is no longer valid.", "Log in again.")
    return claims.session_id


def admitted(found: BearerAccount | None, claims: AccessClaims, roles: Set[Role] | None = None) -> User:
    """The token's account, if the token still speaks for it; NotAuthenticated, AccountDisabled or
    Forbidden otherwise. A disabled account is told so (403) before its ended sessions are looked at."""
    if found is None or found.user.issued_before_password_change(claims.issued_at):
        raise NotAuthenticated("The access token is no longer valid.", "Log in again.")
    found.user.require_enabled()
    if not found.session_live:  # logged out, ended in the list, logout-all, revoked, reused, or past its end
        raise NotAuthenticated("The access token is no longer valid.", "Log in again.")
    if roles is not None:
        found.user.require_role(frozenset(roles))
    return found.user
