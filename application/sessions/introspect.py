from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from typing import Protocol

from application.ports.clock import Clock
from application.ports.sessions import AccessTokenService
from application.ports.unit_of_work import HasUsers, Transaction
from application.shared.authenticate import admitted, session_of
from domain.errors import AccountDisabled, NotAuthenticated
from domain.sessions import AccessClaims
from domain.user import Role


class _Work(Transaction, HasUsers, Protocol): ...


@dataclass(frozen=True, slots=True)
class TokenStatus:
    """RFC 7662's answer: `claims` and the account's role and verification, as they are now, only when
    the token is active."""

    active: bool
    claims: AccessClaims | None = None
    role: str = ""
    email_verified: bool = False


class Introspect:
    """Whether an access token still stands, for a service that must know of a revocation at once: what
    this service itself accepts (good, unexpired, issued after the account's last password change, for an
    account that exists and is enabled, in a session that has not ended, and with the second factor where
    the account's role needs one), with the account's role and verification as they are now, not as the
    token wrote them."""

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

    async def execute(self, token: str) -> TokenStatus:
        try:
            claims = await self._access_tokens.decode(token)
            session_id = session_of(claims)
            async with self._uow as uow:
                found = await uow.users.get_for_bearer(claims.user_id, session_id, self._clock.now())
            user = admitted(found, claims)
        except (NotAuthenticated, AccountDisabled):
            return TokenStatus(active=False)
        if user.role in self._mfa_roles and not (claims.proof is not None and claims.proof.multi_factor):
            # Refused here on all but enrolment (MFA_REQUIRED_ROLES): not a token another service may trust.
            return TokenStatus(active=False)
        return TokenStatus(active=True, claims=claims, role=user.role.value, email_verified=user.is_verified)
