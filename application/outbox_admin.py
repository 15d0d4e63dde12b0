"""Operating the outbox: its state, reviving dead messages, pruning old sent ones."""

from __future__ import annotations

import uuid
from datetime import timedelta

from application.mail import OutboxStats
from application.ports import Clock, UnitOfWork


class OutboxStatus:
    """Counts by state and the oldest pending message's time."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self) -> OutboxStats:
        async with self._uow as uow:
            return await uow.outbox.stats()


class ReviveDeadMessages:
    """Puts dead messages back in the queue: one by id, or all of them."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, message_id: uuid.UUID | None = None) -> int:
        async with self._uow as uow:
            count = await uow.outbox.revive(self._clock.now(), message_id)
            await uow.commit()
        return count


class PruneSentMessages:
    """Deletes sent messages older than the retention, if one is set; nothing else is ever deleted."""

    def __init__(self, uow: UnitOfWork, clock: Clock, retention: timedelta | None) -> None:
        self._uow = uow
        self._clock = clock
        self._retention = retention

    async def execute(self) -> int:
        if self._retention is None:
            return 0
        async with self._uow as uow:
            count = await uow.outbox.prune_sent(self._clock.now() - self._retention)
            await uow.commit()
        return count
