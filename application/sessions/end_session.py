from __future__ import annotations

import uuid
from typing import Protocol

from application.ports.clock import Clock
from application.ports.unit_of_work import HasRefreshTokens, HasSecurityEvents, HasUsers, Transaction
from domain.errors import NotFound
from domain.trail import SecurityEvent, SecurityEventType, SessionOrigin


class _Work(Transaction, HasUsers, HasRefreshTokens, HasSecurityEvents, Protocol): ...


class EndSession:
    """Signs one of the caller's sessions out (a lost phone): its refresh token stops working at once.
    Another account's session is not found, as an unknown one is."""

    def __init__(self, *, uow: _Work, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(
        self, user_id: uuid.UUID, session_id: uuid.UUID, origin: SessionOrigin = SessionOrigin()
    ) -> None:
        async with self._uow as uow:
            # The account first, as a refresh holds it while it writes the session's next token: without it, a
            # refresh in flight commits a successor this statement never saw, and the session lives on.
            await uow.users.get_for_change(user_id)
            now = self._clock.now()
            if not await uow.refresh_tokens.end_session(user_id, session_id, now):
                raise NotFound("No such session.", "List your sessions for their ids.")
            await uow.security_events.add(
                SecurityEvent.at(origin, SecurityEventType.SESSION_ENDED, user_id, now)
            )
            await uow.commit()
