from __future__ import annotations

from application.mail import OutboxStats
from application.ports import UnitOfWork


class OutboxStatus:
    """Counts by state and the oldest pending message's time; `count_sent=False` for frequent callers."""

    def __init__(self, *, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, count_sent: bool = True) -> OutboxStats:
        async with self._uow as uow:
            return await uow.outbox.stats(count_sent)
