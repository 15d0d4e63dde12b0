from __future__ import annotations

from typing import Protocol

from application.ports.clock import Clock
from application.ports.unit_of_work import (
    HasFactors,
    HasPendingSignIns,
    HasRefreshTokens,
    HasSecurityEvents,
    Transaction,
)
from application.shared.config import TokenLifetimes
from application.shared.session_issuer import (
    OpenedSession,
    SessionIssuer,
    hash_refresh_token,
    new_successor_salt,
    successor_token,
)
from domain.errors import NotAuthenticated
from domain.sessions import Spend, SpendOutcome
from domain.trail import SecurityEvent, SecurityEventType, SessionOrigin
from domain.views import SessionTokens


class _Work(Transaction, HasRefreshTokens, HasSecurityEvents, HasFactors, HasPendingSignIns, Protocol): ...


REUSE_DETAIL = (
    "refresh_token_reused"  # the trail's word: the session ended because a refresh token was used twice
)


class RefreshSession:
    """Trades a refresh token for a new pair; a session has one live refresh token at any time.

    A retired token shown again within the grace (two tabs, a retried request) gets the successor its first
    use got, not one of its own: a second branch of the session is never made, so whoever holds a copy
    shares the owner's one token, and the first of them to use it after the other has, past the grace, ends
    the session for both. Later than the grace, a retired token ends its whole family, with a trail entry.
    """

    def __init__(
        self, *, uow: _Work, sessions: SessionIssuer, clock: Clock, lifetimes: TokenLifetimes
    ) -> None:
        self._uow = uow
        self._sessions = sessions
        self._clock = clock
        self._reuse_grace = lifetimes.refresh_reuse_grace

    async def execute(self, refresh_token: str, origin: SessionOrigin = SessionOrigin()) -> SessionTokens:
        now, salt = self._clock.now(), new_successor_salt()
        async with self._uow as uow:
            spend = await uow.refresh_tokens.spend(
                hash_refresh_token(refresh_token), now, self._reuse_grace, salt
            )
            if spend.outcome is SpendOutcome.REUSED and spend.token is not None:
                # Someone else holds a copy of a rotated token: no token of the family is trusted.
                await uow.refresh_tokens.revoke_family(spend.token.user_id, spend.token.family_id, now)
                await uow.security_events.add(
                    SecurityEvent.at(
                        origin, SecurityEventType.SESSION_ENDED, spend.token.user_id, now, detail=REUSE_DETAIL
                    )
                )
                await uow.commit()
            if spend.user is not None:
                spend.user.require_enabled()  # a disabled account's sessions ended with it: say why
            if spend.outcome is SpendOutcome.RACED:
                opened = await self._again(uow, refresh_token, spend)
            elif spend.outcome is SpendOutcome.SPENT and spend.token is not None and spend.user is not None:
                opened = await self._sessions.open(
                    uow,
                    spend.user,
                    None,  # the session's own, kept
                    continuing=spend.token,
                    refresh_token=successor_token(refresh_token, salt),
                )
                await uow.commit()
            else:
                raise _refused()
        return await self._sessions.hand_out_session(opened)

    async def _again(self, uow: _Work, refresh_token: str, spend: Spend) -> OpenedSession:
        """The successor the token's first use got, while it stands; a new access token goes with it."""
        if spend.token is None or spend.user is None or spend.token.successor_salt is None:
            raise _refused()  # spent before successors were made again: nothing to give but a new login
        successor = successor_token(refresh_token, spend.token.successor_salt)
        found = await uow.refresh_tokens.get(hash_refresh_token(successor))
        if found is None or found.revoked_at is not None or found.expires_at <= self._clock.now():
            raise _refused()
        if found.used_at is not None:
            # The session went on past that successor: a copy of the older token would be handed a spent one,
            # whose own grace then leads it to the live token. The two tabs the grace is for never lag so.
            raise _refused()
        return OpenedSession(spend.user, successor, found.family_id, found.proof)


def _refused() -> NotAuthenticated:
    return NotAuthenticated("The refresh token is invalid, expired or revoked.", "Log in again.")
