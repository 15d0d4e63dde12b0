"""Webhook subscriptions and their deliveries, as data (the ports that store, send and vet them are in
application/ports/webhooks.py)."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime


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
        return cls(
            subscription.id,
            subscription.url,
            sorted(subscription.events),
            subscription.created_at,
            subscription.disabled_at,
            subscription.disabled_reason,
        )


@dataclass(frozen=True, slots=True)
class NewWebhook:
    webhook: WebhookView
    secret: str  # whsec_...: shown this once, stored only sealed


def sealing_context(subscription_id: uuid.UUID) -> str:
    # The id is bound in: a sealed secret copied to another subscription's row does not open.
    return f"webhook:{subscription_id}"


class WebhookUnreachable(Exception):
    """No answer from the receiver: refused, reset, timed out, or its address is not allowed any more."""


class WebhookRefused(WebhookUnreachable):
    """Nothing was sent: the URL's address is not one webhooks may go to (now, whatever it was when added)."""

    def __init__(self, why: str) -> None:
        super().__init__(f"not sent: {why}")
        self.why = why
