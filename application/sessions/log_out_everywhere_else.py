from __future__ import annotations

from typing import Protocol

from application.ports.clock import Clock
from application.ports.unit_of_work import HasRefreshTokens, HasSecurityEvents, HasUsers, Transaction
from application.shared.authenticate import Caller
from domain.trail import SecurityEvent, SecurityEventType, SessionOrigin


class _Work(Transaction, HasUsers, HasRefreshTokens, HasSecurityEvents, Protocol): ...


class LogOutEverywhereElse:
    """Ends every session of the caller's but the one its access token belongs to."""

    def __init__(self, *, uow: _Work, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, caller: Caller, origin: SessionOrigin = SessionOrigin()) -> None:
        async with self._uow as uow:
            # The account first, as a refresh holds it while it writes the session's next token: without it, a
            # refresh in flight commits a successor this statement never saw, and the session lives on.
            await uow.users.get_for_change(caller.user.id)
            now = self._clock.now()
            await uow.refresh_tokens.revoke_all_for_user(caller.user.id, now, keep_family=caller.session_id)
            await uow.security_events.add(
                SecurityEvent.at(
                    origin, SecurityEventType.SESSION_ENDED, caller.user.id, now, detail="all_others"
                )
            )
            await uow.commit()
