from __future__ import annotations

import uuid
from collections.abc import Set
from dataclasses import dataclass
from typing import Protocol

from application.ports.clock import Clock
from application.ports.sessions import AccessTokenService
from application.ports.unit_of_work import HasFactors, HasUsers, Transaction
from domain.errors import MfaEnrollmentRequired, NotAuthenticated, SecondFactorReauthenticationRequired
from domain.factors import Proof
from domain.sessions import AccessClaims
from domain.user import BearerAccount, Role, User
from domain.views import UserView


class _Work(Transaction, HasUsers, HasFactors, Protocol): ...


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

    An account whose role is in `mfa_roles` (MFA_REQUIRED_ROLES) must sign in with its second factor: without
    a factor it is refused (403 mfa_enrollment_required), with one a token without `mfa` is (401
    reauthentication_required), unless `enrolling`: the routes that set a factor up, GET /me, logout and
    reauthentication stay open to it.
    """

    def __init__(
        self,
        *,
        uow: _Work,
        access_tokens: AccessTokenService,
        clock: Clock,
        mfa_roles: Set[Role] = frozenset(),
    ) -> None:
        self._uow = uow
        self._access_tokens = access_tokens
        self._clock = clock
        self._mfa_roles = frozenset(mfa_roles)

    async def execute(
        self, access_token: str, roles: Set[Role] | None = None, *, enrolling: bool = False
    ) -> Caller:
        claims = await self._access_tokens.decode(access_token)
        session_id = session_of(claims)
        async with self._uow as uow:
            found = await uow.users.get_for_bearer(claims.user_id, session_id, self._clock.now())
        user = admitted(found, claims, roles)
        multi_factor = claims.proof is not None and claims.proof.multi_factor
        if user.role in self._mfa_roles and not multi_factor and not enrolling:
            await self._refuse_without_factor(user)
        return Caller(UserView.of(user), session_id, claims.proof)

    async def _refuse_without_factor(self, user: User) -> None:
        # Read only here: a token with mfa, or an account in no such role, costs nothing more.
        async with self._uow as uow:
            summary = await uow.factors.summary(user.id)
        if summary.enabled:
            raise SecondFactorReauthenticationRequired()
        raise MfaEnrollmentRequired()


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
