from __future__ import annotations

from application.config import TokenLifetimes
from application.ports import Clock, SpendOutcome, UnitOfWork
from application.session_issuer import SessionIssuer, hash_refresh_token
from application.views import SessionTokens
from domain.errors import NotAuthenticated


class RefreshSession:
    """Trades a refresh token for a new pair; a retired token shown again, past the grace of a race of the
    owner's own, ends its whole family."""

    def __init__(self, *, uow: UnitOfWork, sessions: SessionIssuer, clock: Clock, lifetimes: TokenLifetimes) -> None:
        self._uow = uow
        self._sessions = sessions
        self._clock = clock
        self._reuse_grace = lifetimes.refresh_reuse_grace

    async def execute(self, refresh_token: str) -> SessionTokens:
        now = self._clock.now()
        async with self._uow as uow:
            spend = await uow.refresh_tokens.spend(hash_refresh_token(refresh_token), now, self._reuse_grace)
            if spend.outcome is SpendOutcome.REUSED and spend.token is not None:
                # Someone else holds a copy of a rotated token: no token of the family is trusted.
                await uow.refresh_tokens.revoke_family(spend.token.user_id, spend.token.family_id, now)
                await uow.commit()
            if spend.user is not None:
                spend.user.require_enabled()  # a disabled account's sessions ended with it: say why
            if spend.outcome is not SpendOutcome.SPENT or spend.token is None or spend.user is None:
                raise NotAuthenticated("The refresh token is invalid, expired or revoked.", "Log in again.")
            session = await self._sessions.open(uow, spend.user, continuing=spend.token)
            await uow.commit()
        return await self._sessions.hand_out(session)
