"""Webhook subscriptions and their deliveries: the data, and the ports that store, send and vet them."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol


@dataclass(frozen=True, slots=True)
class WebhookSubscription:
    url: str
    events: frozenset[str]
    sealed_secret: str  # the signing secret, sealed (SecretSealer): a dump of the table signs nothing
    created_at: datetime
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def active(self) -> bool:
        return self.disabled_at is None


class DeliveryStatus(str, enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    """One event for one subscription. `event_id` is the webhook-id of every attempt, so a receiver can drop
    a duplicate."""

    event_id: uuid.UUID
    subscription_id: uuid.UUID
    event_type: str
    body: str
    created_at: datetime
    attempts: int = 0
    # The W3C traceparent of the request that queued it: its delivery joins that trace (empty: none).
    trace_context: str = ""
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass(frozen=True, slots=True)
class DeliveryStats:
    pending: int
    sent: int
    dead: int
    oldest_pending_created_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReceiverAnswer:
    status: int
    excerpt: str  # the first KiB of the answer's body, kept for the operator


@dataclass(frozen=True, slots=True)
class WebhookView:
    id: uuid.UUID
    url: str
    events: list[str]
    created_at: datetime
    disabled_at: datetime | None
    disabled_reason: str | None

    @classmethod
    def of(cls, subscription: WebhookSubscription) -> WebhookView:
        return cls(subscription.id, subscription.url, sorted(subscription.events), subscription.created_at,
                   subscription.disabled_at, subscription.disabled_reason)


@dataclass(frozen=True, slots=True)
class NewWebhook:
    webhook: WebhookView
    secret: str  # whsec_...: shown this once, stored only sealed


def sealing_context(subscription_id: uuid.UUID) -> str:
    # The id is bound in: a sealed secret copied to another subscription's row does not open.
    return f"webhook:{subscription_id}"


class WebhookSubscriptions(Protocol):
    async def add(self, subscription: WebhookSubscription) -> None: ...
    async def get(self, subscription_id: uuid.UUID) -> WebhookSubscription | None: ...
    async def list(self) -> Sequence[WebhookSubscription]: ...
    async def remove(self, subscription_id: uuid.UUID) -> bool: ...
    async def disable(self, subscription_id: uuid.UUID, reason: str, when: datetime) -> None: ...


class WebhookDeliveries(Protocol):
    async def add(self, deliveries: Sequence[WebhookDelivery]) -> None: ...
    async def claim(self, limit: int, now: datetime, lease: timedelta, claimant: str,
                    busy: Sequence[uuid.UUID] = ()) -> Sequence[WebhookDelivery]:
        """Due deliveries no other worker holds, their attempt counted, none for the `busy` subscriptions."""
        ...
    async def renew(self, delivery_ids: Sequence[uuid.UUID], until: datetime, claimant: str) -> set[uuid.UUID]:
        """The claims still held, extended; the others have lapsed and passed to another worker."""
        ...
    async def release(self, delivery_ids: Sequence[uuid.UUID], retry_at: datetime, claimant: str) -> None:
        """Handed back unsent, due at `retry_at`, the attempt not counted."""
        ...
    async def settle(self, delivery_id: uuid.UUID, claimant: str, *, sent_at: datetime | None,
                     answer: ReceiverAnswer | None, error: str | None, retry_at: datetime | None) -> None:
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


class SecretSealer(Protocol):
    def seal(self, context: str, secret: str) -> str: ...
    def open(self, context: str, sealed: str) -> str: ...


class WebhookUnreachable(Exception):
    """No answer from the receiver: refused, reset, timed out, or its address is not allowed any more."""


class WebhookRefused(WebhookUnreachable):
    """Nothing was sent: the URL's address is not one webhooks may go to (now, whatever it was when added)."""

    def __init__(self, why: str) -> None:
        super().__init__(f"not sent: {why}")
        self.why = why
