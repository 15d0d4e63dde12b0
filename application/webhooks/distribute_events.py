from __future__ import annotations

from typing import Protocol

from application.ports.unit_of_work import HasEvents, HasWebhookDeliveries, HasWebhooks, Transaction
from domain.webhooks import WebhookDelivery


class _Work(Transaction, HasEvents, HasWebhooks, HasWebhookDeliveries, Protocol): ...


class DistributeEvents:
    """Hands a batch of recorded events to the subscriptions that want them: a delivery each, in one
    transaction, so an event is handed on once whatever happens to the worker."""

    def __init__(self, *, uow: _Work, batch_size: int = 100) -> None:
        self._uow = uow
        self._batch_size = batch_size

    async def execute(self) -> int:
        """How many events were handed on; 0 when none waited."""
        async with self._uow as uow:
            events = await uow.events.claim(self._batch_size)
            if not events:
                return 0
            subscriptions = [s for s in await uow.webhooks.list() if s.active]
            await uow.webhook_deliveries.add(
                [
                    WebhookDelivery(
                        event_id=event.id,
                        subscription_id=subscription.id,
                        event_type=event.type,
                        body=event.body,
                        created_at=event.occurred_at,
                        trace_context=event.trace_context,
                    )
                    for event in events
                    for subscription in subscriptions
                    # A subscription hears of what happens from its creation on, not of the events still
                    # waiting.
                    if event.type in subscription.events and event.occurred_at >= subscription.created_at
                ]
            )
            await uow.events.remove([event.id for event in events])
            await uow.commit()
        return len(events)
