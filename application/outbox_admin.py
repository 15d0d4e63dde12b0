"""Operating the outbox: its state, reviving dead messages, pruning old sent ones."""

from __future__ import annotations

import uuid
from datetime import timedelta

from application.mail import OutboxStats
from application.ports import Clock, UnitOfWork


class OutboxStatus:
    """Counts by state and the oldest pending message's time; `count_sent=False` for frequent callers."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, count_sent: bool = True) -> OutboxStats:
        async with self._uow as uow:
            return await uow.outbox.stats(count_sent)


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


class Housekeeping:
    """Deletes what has served its purpose: old rate-limit windows and answered email requests, and sent
    messages past the retention if one is set. Pending and dead messages are never deleted."""

    KEEP_COUNTERS = timedelta(days=2)
    KEEP_REQUESTS = timedelta(days=7)

    def __init__(self, uow: UnitOfWork, clock: Clock, sent_retention: timedelta | None) -> None:
        self._uow = uow
        self._clock = clock
        self._sent_retention = sent_retention

    async def execute(self) -> int:
        """How many rows went."""
        now = self._clock.now()
        async with self._uow as uow:
            count = await uow.rate_limits.prune(now - self.KEEP_COUNTERS)
            count += await uow.email_requests.prune(now - self.KEEP_REQUESTS)
            if self._sent_retention is not None:
                count += await uow.outbox.prune_sent(now - self._sent_retention)
            await uow.commit()
        return count
