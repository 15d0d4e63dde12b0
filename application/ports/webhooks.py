"""Webhook subscriptions, their deliveries, and the HTTP side of sending them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from domain.webhooks import (
    DeliveryStats,
    ReceiverAnswer,
    WebhookDelivery,
    WebhookSubscription,
)


class WebhookSubscriptions(Protocol):
    async def add(self, subscription: WebhookSubscription) -> None: ...
    async def get(self, subscription_id: uuid.UUID) -> WebhookSubscription | None: ...
    async def list(self) -> Sequence[WebhookSubscription]: ...
    async def remove(self, subscription_id: uuid.UUID) -> bool: ...
    async def disable(self, subscription_id: uuid.UUID, reason: str, when: datetime) -> None: ...


class WebhookDeliveries(Protocol):
    async def add(self, deliveries: Sequence[WebhookDelivery]) -> None: ...
    async def claim(
        self, limit: int, now: datetime, lease: timedelta, claimant: str, busy: Sequence[uuid.UUID] = ()
    ) -> Sequence[WebhookDelivery]:
        """Due deliveries no other worker holds, their attempt counted, none for the `busy` subscriptions."""
        ...

    async def renew(
        self, delivery_ids: Sequence[uuid.UUID], until: datetime, claimant: str
    ) -> set[uuid.UUID]:
        """The claims still held, extended; the others have lapsed and passed to another worker."""
        ...

    async def release(self, delivery_ids: Sequence[uuid.UUID], retry_at: datetime, claimant: str) -> None:
        """Handed back unsent, due at `retry_at`, the attempt not counted."""
        ...

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
        """Sent (`sent_at`), to be retried (`retry_at`), or dead (neither); the answer and error kept."""
        ...

    async def revive(self, now: datetime, delivery_id: uuid.UUID | None = None) -> int: ...
    async def stats(self, count_sent: bool = True) -> DeliveryStats: ...
    async def prune_sent(self, sent_before: datetime, limit: int = 1000) -> int:
        """Deletes at most `limit` of the oldest deliveries made before `sent_before`; how many went."""
        ...

    async def prune_dead(self, before: datetime, limit: int = 1000) -> int:
        """As prune_sent, for deliveries given up on, by their last attempt."""
        ...


class WebhookSender(Protocol):
    async def send(self, url: str, secret: str, delivery: WebhookDelivery) -> ReceiverAnswer:
        """Posts the signed body; raises WebhookUnreachable when no answer came (refused, timed out),
        WebhookRefused when nothing was sent."""
        ...


class WebhookTargets(Protocol):
    async def check(self, url: str) -> None:
        """Raises InvalidWebhookUrl for a URL events may not go to (not https, or a private address)."""
        ...
