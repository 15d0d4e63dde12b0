from __future__ import annotations

from datetime import timedelta

from application.ports import Clock, UnitOfWork


class Housekeeping:
    """Deletes what has served its purpose: old rate-limit windows and answered email requests, and sent
    messages past the retention if one is set. Pending and dead messages are never deleted."""

    KEEP_COUNTERS = timedelta(days=2)
    KEEP_REQUESTS = timedelta(days=7)

    def __init__(self, *, uow: UnitOfWork, clock: Clock, sent_retention: timedelta | None) -> None:
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
