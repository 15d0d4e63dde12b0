"""Delivering webhooks: each receiver's deliveries are claimed as a batch and sent by a task of their own, so
a slow or dead receiver holds up nothing but itself."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from application.ports.clock import Clock
from application.ports.crypto import SecretSealer
from application.ports.unit_of_work import HasWebhookDeliveries, HasWebhooks, Transaction
from application.ports.webhooks import WebhookSender
from application.shared.config import DeliveryPolicy
from domain.webhooks import (
    ReceiverAnswer,
    WebhookDelivery,
    WebhookSubscription,
    WebhookUnreachable,
    sealing_context,
)


class _Work(Transaction, HasWebhooks, HasWebhookDeliveries, Protocol): ...


GONE = 410  # the receiver says it wants no more: the subscription is disabled


@dataclass(frozen=True, slots=True)
class ReceiverBatch:
    subscription: WebhookSubscription
    deliveries: Sequence[WebhookDelivery]
    claimant: str


class ClaimWebhookDeliveries:
    def __init__(self, *, uow: _Work, clock: Clock, policy: DeliveryPolicy) -> None:
        self._uow = uow
        self._clock = clock
        self._policy = policy

    async def execute(self, busy: Collection[uuid.UUID] = ()) -> list[ReceiverBatch]:
        """Due deliveries, a batch per receiver, none for a receiver in `busy` (still being sent to)."""
        claimant = uuid.uuid4().hex
        async with self._uow as uow:
            claimed = await uow.webhook_deliveries.claim(
                self._policy.batch_size, self._clock.now(), self._policy.lease, claimant, busy=list(busy)
            )
            subscriptions = {s.id: s for s in await uow.webhooks.list()} if claimed else {}
            await uow.commit()
        by_receiver: dict[uuid.UUID, list[WebhookDelivery]] = {}
        for delivery in claimed:
            by_receiver.setdefault(delivery.subscription_id, []).append(delivery)
        # A delivery whose subscription was removed meanwhile went with it (the rows cascade).
        return [
            ReceiverBatch(subscriptions[s], deliveries, claimant)
            for s, deliveries in by_receiver.items()
            if s in subscriptions
        ]


@dataclass(frozen=True, slots=True)
class _Outcome:
    answer: ReceiverAnswer | None
    error: str | None
    retry: bool  # worth another try later
    receiver_down: bool = False  # the rest of the batch would fail alike


class SendToReceiver:
    """Sends one receiver's batch in order, each outcome committed as it comes: any 2xx is delivered; 429,
    5xx and no answer are tried again with backoff until the attempts are spent; a redirect or another 4xx
    is not (a 410 also disables the subscription)."""

    def __init__(
        self,
        *,
        uow: _Work,
        sender: WebhookSender,
        sealer: SecretSealer,
        clock: Clock,
        policy: DeliveryPolicy,
        jitter: random.Random | None = None,
    ) -> None:
        self._uow = uow
        self._sender = sender
        self._sealer = sealer
        self._clock = clock
        self._policy = policy
        self._jitter = jitter or random.Random()  # noqa: S311  (spreads retry times; guards no secret)

    async def execute(self, batch: ReceiverBatch, should_stop: Callable[[], bool] = lambda: False) -> int:
        """How many deliveries were attempted."""
        subscription = batch.subscription
        secret = self._sealer.open(sealing_context(subscription.id), subscription.sealed_secret)
        lease_until = self._clock.now() + self._policy.lease
        held = {delivery.id for delivery in batch.deliveries}
        for index, delivery in enumerate(batch.deliveries):
            rest = [d for d in batch.deliveries[index:] if d.id in held]
            if should_stop():
                await self._release(rest, self._clock.now(), batch.claimant)
                return index
            if self._clock.now() + self._policy.lease / 2 > lease_until:
                lease_until = self._clock.now() + self._policy.lease
                held = await self._renew(rest, lease_until, batch.claimant)
            if delivery.id not in held:
                continue  # the claim lapsed and another worker has it now
            outcome = (
                await self._attempt(subscription.url, secret, delivery)
                if subscription.active
                else _Outcome(
                    None,
                    f"not sent: the subscription was disabled ({subscription.disabled_reason})",
                    retry=False,
                )
            )
            retry_at = (
                self._policy.retry_at(delivery.attempts, self._clock.now(), self._jitter)
                if outcome.retry
                else None
            )
            await self._settle(delivery, outcome, retry_at, batch.claimant)
            if outcome.answer is not None and outcome.answer.status == GONE:
                subscription = await self._disable(subscription)
            elif outcome.receiver_down and len(rest) > 1:
                await self._release(rest[1:], retry_at or self._clock.now(), batch.claimant)
                return index + 1
        return len(batch.deliveries)

    async def _attempt(self, url: str, secret: str, delivery: WebhookDelivery) -> _Outcome:
        try:
            answer = await self._sender.send(url, secret, delivery)
        except WebhookUnreachable as error:
            return _Outcome(None, str(error)[:500], retry=True, receiver_down=True)
        if 200 <= answer.status < 300:
            return _Outcome(answer, None, retry=False)
        retry = answer.status == 429 or answer.status >= 500
        return _Outcome(answer, f"the receiver answered {answer.status}", retry=retry)

    async def _settle(
        self, delivery: WebhookDelivery, outcome: _Outcome, retry_at: datetime | None, claimant: str
    ) -> None:
        delivered = outcome.error is None
        async with self._uow as uow:
            await uow.webhook_deliveries.settle(
                delivery.id,
                claimant,
                sent_at=self._clock.now() if delivered else None,
                answer=outcome.answer,
                error=outcome.error,
                retry_at=retry_at,
            )
            await uow.commit()

    async def _disable(self, subscription: WebhookSubscription) -> WebhookSubscription:
        reason, now = "the receiver answered 410 Gone", self._clock.now()
        async with self._uow as uow:
            await uow.webhooks.disable(subscription.id, reason, now)
            await uow.commit()
        return replace(subscription, disabled_at=now, disabled_reason=reason)

    async def _renew(
        self, deliveries: Sequence[WebhookDelivery], until: datetime, claimant: str
    ) -> set[uuid.UUID]:
        async with self._uow as uow:
            held = await uow.webhook_deliveries.renew([d.id for d in deliveries], until, claimant)
            await uow.commit()
        return held

    async def _release(
        self, deliveries: Sequence[WebhookDelivery], retry_at: datetime, claimant: str
    ) -> None:
        if not deliveries:
            return
        async with self._uow as uow:
            await uow.webhook_deliveries.release([d.id for d in deliveries], retry_at, claimant)
            await uow.commit()
