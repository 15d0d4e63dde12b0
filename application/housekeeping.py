from __future__ import annotations

from datetime import timedelta

from application.ports import Clock, UnitOfWork


class Housekeeping:
    """Deletes what has served its purpose: old rate-limit windows and answered email requests, audit-trail
    entries past their retention (a batch per run, so no run holds the table long), and sent messages past
    the retention if one is set. Pending and dead messages are never deleted."""

    KEEP_COUNTERS = timedelta(days=2)
    KEEP_REQUESTS = timedelta(days=7)

    TRAIL_BATCH = 1000

    def __init__(self, *, uow: UnitOfWork, clock: Clock, sent_retention: timedelta | None,
                 trail_retention: timedelta = timedelta(days=365)) -> None:
        self._uow = uow
        self._clock = clock
        self._sent_retention = sent_retention
        self._trail_retention = trail_retention

    async def execute(self) -> int:
        """How many rows went."""
        now = self._clock.now()
        async with self._uow as uow:
            count = await uow.rate_limits.prune(now - self.KEEP_COUNTERS)
            count += await uow.email_requests.prune(now - self.KEEP_REQUESTS)
            count += await uow.security_events.prune(now - self._trail_retention, self.TRAIL_BATCH)
            if self._sent_retention is not None:
                count += await uow.outbox.prune_sent(now - self._sent_retention)
            await uow.commit()
        return count
