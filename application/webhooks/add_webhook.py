from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Iterable
from typing import Protocol

from application.ports.clock import Clock
from application.ports.crypto import SecretSealer
from application.ports.unit_of_work import HasWebhooks, Transaction
from application.ports.webhooks import WebhookTargets
from domain.errors import InvalidWebhook
from domain.events import EventType
from domain.webhooks import NewWebhook, WebhookSubscription, WebhookView, sealing_context


class _Work(Transaction, HasWebhooks, Protocol): ...


SUBSCRIBABLE = frozenset(kind.value for kind in EventType)


class AddWebhook:
    """Subscribes a URL to event types; the signing secret is in the answer this once, and stored only
    sealed."""

    def __init__(self, *, uow: _Work, targets: WebhookTargets, sealer: SecretSealer, clock: Clock) -> None:
        self._uow = uow
        self._targets = targets
        self._sealer = sealer
        self._clock = clock

    async def execute(self, url: str, events: Iterable[str]) -> NewWebhook:
        wanted = frozenset(event.strip() for event in events if event.strip())
        if not wanted:
            raise InvalidWebhook(why="no event type was named")
        if unknown := sorted(wanted - SUBSCRIBABLE):
            raise InvalidWebhook(why="unknown event types " + ", ".join(unknown)[:200])
        await self._targets.check(url)
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
        subscription_id = uuid.uuid4()
        subscription = WebhookSubscription(
            url=url,
            events=wanted,
            created_at=self._clock.now(),
            id=subscription_id,
            sealed_secret=self._sealer.seal(sealing_context(subscription_id), secret),
        )
        async with self._uow as uow:
            await uow.webhooks.add(subscription)
            await uow.commit()
        return NewWebhook(WebhookView.of(subscription), secret)
