"""In-memory events, webhook subscriptions and deliveries, for the use cases' tests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from domain.events import AccountEvent
from domain.webhooks import (
    DeliveryStats,
    DeliveryStatus,
    ReceiverAnswer,
    WebhookDelivery,
    WebhookSubscription,
)


class FakeEventOutbox:
    def __init__(self, events: dict[uuid.UUID, AccountEvent]) -> None:
        self.events = events

    async def add(self, event: AccountEvent) -> None:
        self.events[event.id] = event

    async def claim(self, limit: int) -> Sequence[AccountEvent]:
        return sorted(self.events.values(), key=lambda e: e.occurred_at)[:limit]

    async def remove(self, event_ids: Sequence[uuid.UUID]) -> None:
        for event_id in event_ids:
            self.events.pop(event_id, None)


class FakeWebhookSubscriptions:
    def __init__(
        self, subscriptions: dict[uuid.UUID, WebhookSubscription], deliveries: dict[uuid.UUID, dict[str, Any]]
    ) -> None:
        self.subscriptions = subscriptions
        self._deliveries = deliveries

    async def add(self, subscription: WebhookSubscription) -> None:
        self.subscriptions[subscription.id] = subscription

    async def get(self, subscription_id: uuid.UUID) -> WebhookSubscription | None:
        return self.subscriptions.get(subscription_id)

    async def list(self) -> Sequence[WebhookSubscription]:
        return sorted(self.subscriptions.values(), key=lambda s: s.created_at)

    async def remove(self, subscription_id: uuid.UUID) -> bool:
        for delivery_id in [
            i for i, row in self._deliveries.items() if row["delivery"].subscription_id == subscription_id
        ]:
            del self._deliveries[delivery_id]
        return self.subscriptions.pop(subscription_id, None) is not None

    async def disable(self, subscription_id: uuid.UUID, reason: str, when: datetime) -> None:
        found = self.subscriptions[subscription_id]
        self.subscriptions[subscription_id] = replace(found, disabled_at=when, disabled_reason=reason)


class FakeWebhookDeliveries:
    """Each row: the delivery, its status, when it is due, who holds it and until when, what came back."""

    def __init__(self, rows: dict[uuid.UUID, dict[str, Any]]) -> None:
        self.rows = rows

    async def add(self, deliveries: Sequence[WebhookDelivery]) -> None:
        for delivery in deliveries:
            self.rows[delivery.id] = {
                "delivery": delivery,
                "status": DeliveryStatus.PENDING,
                "due": delivery.created_at,
                "claimant": None,
                "until": None,
                "answer": None,
                "error": None,
                "sent_at": None,
            }

    async def claim(
        self, limit: int, now: datetime, lease: timedelta, claimant: str, busy: Sequence[uuid.UUID] = ()
    ) -> Sequence[WebhookDelivery]:
        due = [
            row
            for row in self.rows.values()
            if row["status"] is DeliveryStatus.PENDING
            and row["due"] <= now
            and (row["until"] is None or row["until"] <= now)
            and row["delivery"].subscription_id not in busy
        ]
        claimed = []
        for row in sorted(due, key=lambda r: r["due"])[:limit]:
            row["delivery"] = replace(row["delivery"], attempts=row["delivery"].attempts + 1)
            row.update(claimant=claimant, until=now + lease)
            claimed.append(row["delivery"])
        return sorted(claimed, key=lambda d: d.created_at)  # the earliest due, answered in creation order

    async def renew(
        self, delivery_ids: Sequence[uuid.UUID], until: datetime, claimant: str
    ) -> set[uuid.UUID]:
        held = {i for i in delivery_ids if self.rows[i]["claimant"] == claimant}
        for delivery_id in held:
            self.rows[delivery_id]["until"] = until
        return held

    async def release(self, delivery_ids: Sequence[uuid.UUID], retry_at: datetime, claimant: str) -> None:
        for delivery_id in delivery_ids:
            row = self.rows[delivery_id]
            if row["claimant"] == claimant:
                row.update(
                    claimant=None,
                    until=None,
                    due=retry_at,
                    delivery=replace(row["delivery"], attempts=row["delivery"].attempts - 1),
                )

    async def settle(
        self,
        delivery_id: uuid.UUID,
        claimant: str,
        *,
        sent_at: datetime | None,
        answer: ReceiverAnswer | None,
        error: str | None,
        retry_at: datetime | None,
    ) -> None:
        row = self.rows[delivery_id]
        if row["claimant"] != claimant or row["status"] is not DeliveryStatus.PENDING:
            return
        row.update(claimant=None, until=None, answer=answer, error=error)
        if sent_at is not None:
            row.update(status=DeliveryStatus.SENT, sent_at=sent_at)
        elif retry_at is not None:
            row["due"] = retry_at
        else:
            row["status"] = DeliveryStatus.DEAD

    async def revive(self, now: datetime, delivery_id: uuid.UUID | None = None) -> int:
        dead = [
            row
            for i, row in self.rows.items()
            if row["status"] is DeliveryStatus.DEAD and delivery_id in (None, i)
        ]
        for row in dead:
            row.update(status=DeliveryStatus.PENDING, due=now, delivery=replace(row["delivery"], attempts=0))
        return len(dead)

    async def stats(self, count_sent: bool = True) -> DeliveryStats:
        def count(status: DeliveryStatus) -> int:
            return sum(1 for row in self.rows.values() if row["status"] is status)

        pending = [
            row["delivery"].created_at
            for row in self.rows.values()
            if row["status"] is DeliveryStatus.PENDING
        ]
        # Sent rows are not counted for a frequent caller (a health probe), as the adapter skips them.
        sent = count(DeliveryStatus.SENT) if count_sent else 0
        return DeliveryStats(
            pending=count(DeliveryStatus.PENDING),
            sent=sent,
            dead=count(DeliveryStatus.DEAD),
            oldest_pending_created_at=min(pending, default=None),
        )

    async def prune_sent(self, sent_before: datetime, limit: int = 1000) -> int:
        return self._prune(DeliveryStatus.SENT, "sent_at", sent_before, limit)

    async def prune_dead(self, before: datetime, limit: int = 1000) -> int:
        return self._prune(DeliveryStatus.DEAD, "due", before, limit)

    def _prune(self, status: DeliveryStatus, by: str, before: datetime, limit: int) -> int:
        # the earliest due first, as the adapter's bounded delete takes them
        old = [
            i
            for i, row in sorted(self.rows.items(), key=lambda item: item[1]["due"])
            if row["status"] is status and row["due"] < before and row[by] < before
        ][:limit]
        for delivery_id in old:
            del self.rows[delivery_id]
        return len(old)
