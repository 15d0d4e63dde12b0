from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Literal, Protocol

from application.ports.clock import Clock
from application.ports.crypto import SecretSealer
from application.ports.unit_of_work import HasWebhooks, Transaction
from application.ports.webhooks import WebhookSender
from domain.errors import NotFound
from domain.events import TEST_EVENT
from domain.webhooks import WebhookDelivery, WebhookRefused, WebhookUnreachable, sealing_context


class _Work(Transaction, HasWebhooks, Protocol): ...


@dataclass(frozen=True, slots=True)
class TestOutcome:
    __test__ = False  # not a test, whatever pytest guesses from the name
    delivered: bool
    status: int | None  # the receiver's, when it answered
    detail: str  # the first KiB of its answer, or why there was none
    # What an operator does next differs for each: a 2xx; refused before sending (the address is not
    # allowed: a setting or the URL to change); no answer (the receiver is down or slow); another status.
    outcome: Literal["delivered", "refused", "no_answer", "rejected"] = "delivered"


class TestWebhook:
    """Sends a `webhook.test` event to one subscription at once, signed as every event is, and says what came
    back; nothing is queued or retried."""

    def __init__(self, *, uow: _Work, sender: WebhookSender, sealer: SecretSealer, clock: Clock) -> None:
        self._uow = uow
        self._sender = sender
        self._sealer = sealer
        self._clock = clock

    async def execute(self, subscription_id: uuid.UUID) -> TestOutcome:
        async with self._uow as uow:
            subscription = await uow.webhooks.get(subscription_id)
        if subscription is None:
            raise NotFound()
        now = self._clock.now()
        body = json.dumps(
            {"type": TEST_EVENT, "timestamp": now.isoformat(), "data": {}}, separators=(",", ":")
        )
        delivery = WebhookDelivery(
            event_id=uuid.uuid4(),
            subscription_id=subscription.id,
            event_type=TEST_EVENT,
            body=body,
            created_at=now,
        )
        secret = self._sealer.open(sealing_context(subscription.id), subscription.sealed_secret)
        try:
            answer = await self._sender.send(subscription.url, secret, delivery)
        except WebhookRefused as refusal:
            return TestOutcome(False, None, refusal.why, "refused")
        except WebhookUnreachable as error:
            return TestOutcome(False, None, str(error), "no_answer")
        delivered = 200 <= answer.status < 300
        return TestOutcome(delivered, answer.status, answer.excerpt, "delivered" if delivered else "rejected")
