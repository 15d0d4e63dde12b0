from __future__ import annotations

import uuid
from typing import Protocol

from application.ports.clock import Clock
from application.ports.unit_of_work import HasOutbox, HasWebhookDeliveries, Transaction


class _Work(Transaction, HasOutbox, HasWebhookDeliveries, Protocol): ...


class ReviveDeadMessages:
    """Puts dead emails and webhook deliveries back in the queue: one by id, or all of them."""

    def __init__(self, *, uow: _Work, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, message_id: uuid.UUID | None = None) -> int:
        async with self._uow as uow:
            count = await uow.outbox.revive(self._clock.now(), message_id)
            count += await uow.webhook_deliveries.revive(self._clock.now(), message_id)
            await uow.commit()
        return count
