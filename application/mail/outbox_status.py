from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from application.ports.unit_of_work import HasOutbox, HasWebhookDeliveries, Transaction
from domain.mail import OutboxStats
from domain.webhooks import DeliveryStats


class _Work(Transaction, HasOutbox, HasWebhookDeliveries, Protocol): ...


@dataclass(frozen=True, slots=True)
class OutboxReport:
    emails: OutboxStats
    webhooks: DeliveryStats


class OutboxStatus:
    """Emails and webhook deliveries: counts by state and the oldest pending one's time; `count_sent=False`
    for frequent callers."""

    def __init__(self, *, uow: _Work) -> None:
        self._uow = uow

    async def execute(self, count_sent: bool = True) -> OutboxReport:
        async with self._uow as uow:
            return OutboxReport(
                emails=await uow.outbox.stats(count_sent),
                webhooks=await uow.webhook_deliveries.stats(count_sent),
            )
