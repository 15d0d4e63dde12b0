from __future__ import annotations

import uuid
from typing import Protocol

from application.admin.administer_account import no_such_account
from application.ports.clock import Clock
from application.ports.unit_of_work import (
    HasEvents,
    HasRefreshTokens,
    HasSecurityEvents,
    HasUsers,
    Transaction,
)
from application.shared.record_event import record_event
from domain.events import EventType
from domain.trail import SessionOrigin


class _Work(Transaction, HasUsers, HasRefreshTokens, HasEvents, HasSecurityEvents, Protocol): ...


class RevokeAccountSessions:
    """An administrator ends every session of an account; its refresh tokens stop working at once."""

    def __init__(self, *, uow: _Work, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(
        self, user_id: uuid.UUID, actor_id: uuid.UUID | None = None, origin: SessionOrigin = SessionOrigin()
    ) -> None:
        now = self._clock.now()
        async with self._uow as uow:
            user = await uow.users.get_for_change(user_id)
            if user is None:
                raise no_such_account()
            await uow.refresh_tokens.revoke_all_for_user(user.id, now)
            await record_event(
                uow, EventType.USER_SESSIONS_REVOKED, user, now, actor_id=actor_id, origin=origin
            )
            await uow.commit()
