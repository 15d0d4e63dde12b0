"""Account events, webhook subscriptions and deliveries, in SQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update

from adapters.sqlalchemy.bounded_delete import delete_batch
from adapters.sqlalchemy.storage_errors import StorageConnection
from adapters.sqlalchemy.tables import account_events, webhook_subscriptions
from adapters.sqlalchemy.tables import webhook_deliveries as deliveries
from adapters.tracing import current_trace_context
from domain.events import AccountEvent
from domain.webhooks import (
    DeliveryStats,
    DeliveryStatus,
    ReceiverAnswer,
    WebhookDelivery,
    WebhookSubscription,
)

PENDING, SENT, DEAD = DeliveryStatus.PENDING.value, DeliveryStatus.SENT.value, DeliveryStatus.DEAD.value
_INSERT_EVENT = insert(account_events)


class SqlAlchemyEventOutbox:
    def __init__(self, connection: StorageConnection) -> None:
        self._connection = connection

    async def add(self, event: AccountEvent) -> None:
        await self._connection.defer(
            _INSERT_EVENT,
            dict(
                id=event.id,
                type=event.type,
                body=event.body,
                created_at=event.occurred_at,
                trace_context=event.trace_context or current_trace_context(),
            ),
        )

    async def claim(self, limit: int) -> Sequence[AccountEvent]:
        rows = await self._connection.execute(
            select(account_events)
            .order_by(account_events.c.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [
            AccountEvent(
                type=row["type"],
                occurred_at=row["created_at"],
                body=row["body"],
                id=row["id"],
                trace_context=row["trace_context"] or "",
            )
            for row in rows.mappings()
        ]

    async def remove(self, event_ids: Sequence[uuid.UUID]) -> None:
        await self._connection.execute(delete(account_events).where(account_events.c.id.in_(event_ids)))


class SqlAlchemyWebhookSubscriptions:
    def __init__(self, connection: StorageConnection) -> None:
        self._connection = connection

    async def add(self, subscription: WebhookSubscription) -> None:
        await self._connection.execute(
            insert(webhook_subscriptions),
            dict(
                id=subscription.id,
                url=subscription.url,
                events=",".join(sorted(subscription.events)),
                secret=subscription.sealed_secret,
                created_at=subscription.created_at,
            ),
        )

    async def get(self, subscription_id: uuid.UUID) -> WebhookSubscription | None:
        row = (
            (
                await self._connection.execute(
                    select(webhook_subscriptions).where(webhook_subscriptions.c.id == subscription_id)
                )
            )
            .mappings()
            .first()
        )
        return _to_subscription(row) if row else None

    async def list(self) -> Sequence[WebhookSubscription]:
        rows = await self._connection.execute(
            select(webhook_subscriptions).order_by(webhook_subscriptions.c.created_at)
        )
        return [_to_subscription(row) for row in rows.mappings()]

    async def remove(self, subscription_id: uuid.UUID) -> bool:
        removed = await self._connection.execute(
            delete(webhook_subscriptions).where(webhook_subscriptions.c.id == subscription_id)
        )
        return removed.rowcount == 1

    async def disable(self, subscription_id: uuid.UUID, reason: str, when: datetime) -> None:
        await self._connection.execute(
            update(webhook_subscriptions)
            .where(webhook_subscriptions.c.id == subscription_id)
            .values(disabled_at=when, disabled_reason=reason)
        )


def _to_subscription(row: Any) -> WebhookSubscription:
    return WebhookSubscription(
        id=row["id"],
        url=row["url"],
        events=frozenset(row["events"].split(",")),
        sealed_secret=row["secret"],
        created_at=row["created_at"],
        disabled_at=row["disabled_at"],
        disabled_reason=row["disabled_reason"],
    )


class SqlAlchemyWebhookDeliveries:
    def __init__(self, connection: StorageConnection) -> None:
        self._connection = connection

    async def add(self, items: Sequence[WebhookDelivery]) -> None:
        if items:
            await self._connection.execute(
                insert(deliveries),
                [
                    dict(
                        id=d.id,
                        event_id=d.event_id,
                        subscription_id=d.subscription_id,
                        event_type=d.event_type,
                        body=d.body,
                        status=PENDING,
                        attempts=0,
                        next_attempt_at=d.created_at,
                        created_at=d.created_at,
                        trace_context=d.trace_context or None,
                    )
                    for d in items
                ],
            )

    async def claim(
        self, limit: int, now: datetime, lease: timedelta, claimant: str, busy: Sequence[uuid.UUID] = ()
    ) -> Sequence[WebhookDelivery]:
        due = (
            select(deliveries.c.id)
            .where(
                deliveries.c.status == PENDING,
                deliveries.c.next_attempt_at <= now,
                or_(deliveries.c.claimed_until.is_(None), deliveries.c.claimed_until <= now),
            )
            .order_by(deliveries.c.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        if busy:
            due = due.where(deliveries.c.subscription_id.not_in(busy))
        claimed = await self._connection.execute(
            update(deliveries)
            .where(deliveries.c.id.in_(due.scalar_subquery()))
            .values(claimed_until=now + lease, claimed_by=claimant, attempts=deliveries.c.attempts + 1)
            .returning(*deliveries.c)
        )
        return sorted((_to_delivery(row) for row in claimed.mappings()), key=lambda d: d.created_at)

    async def renew(
        self, delivery_ids: Sequence[uuid.UUID], until: datetime, claimant: str
    ) -> set[uuid.UUID]:
        renewed = await self._connection.execute(
            update(deliveries)
            .where(*_held(delivery_ids, claimant))
            .values(claimed_until=until)
            .returning(deliveries.c.id)
        )
        return set(renewed.scalars())

    async def release(self, delivery_ids: Sequence[uuid.UUID], retry_at: datetime, claimant: str) -> None:
        await self._connection.execute(
            update(deliveries)
            .where(*_held(delivery_ids, claimant))
            .values(
                claimed_until=None,
                claimed_by=None,
                next_attempt_at=retry_at,
                attempts=deliveries.c.attempts - 1,
            )
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
        values: dict[str, Any] = {"claimed_until": None, "claimed_by": None, "last_error": error}
        if answer is not None:
            values.update(last_status=answer.status, last_answer=answer.excerpt)
        if sent_at is not None:
            values.update(status=SENT, sent_at=sent_at, body=None)
        elif retry_at is not None:
            values.update(next_attempt_at=retry_at)
        else:
            values.update(status=DEAD)
        await self._connection.execute(
            update(deliveries).where(*_held([delivery_id], claimant)).values(**values)
        )

    async def revive(self, now: datetime, delivery_id: uuid.UUID | None = None) -> int:
        query = update(deliveries).where(deliveries.c.status == DEAD)
        if delivery_id is not None:
            query = query.where(deliveries.c.id == delivery_id)
        result = await self._connection.execute(query.values(status=PENDING, attempts=0, next_attempt_at=now))
        return result.rowcount

    async def stats(self, count_sent: bool = True) -> DeliveryStats:
        states = [PENDING, DEAD, SENT] if count_sent else [PENDING, DEAD]
        counts = dict(
            (
                await self._connection.execute(
                    select(deliveries.c.status, func.count())
                    .where(deliveries.c.status.in_(states))
                    .group_by(deliveries.c.status)
                )
            ).all()
        )
        oldest = (
            await self._connection.execute(
                select(func.min(deliveries.c.created_at)).where(deliveries.c.status == PENDING)
            )
        ).scalar_one()
        return DeliveryStats(
            pending=counts.get(PENDING, 0),
            sent=counts.get(SENT, 0),
            dead=counts.get(DEAD, 0),
            oldest_pending_created_at=oldest,
        )

    async def prune_sent(self, sent_before: datetime, limit: int = 1000) -> int:
        return await delete_batch(
            self._connection,
            deliveries,
            deliveries.c.status == SENT,
            deliveries.c.next_attempt_at < sent_before,
            deliveries.c.sent_at < sent_before,
            order_by=deliveries.c.next_attempt_at,
            limit=limit,
        )

    async def prune_dead(self, before: datetime, limit: int = 1000) -> int:
        return await delete_batch(
            self._connection,
            deliveries,
            deliveries.c.status == DEAD,
            deliveries.c.next_attempt_at < before,
            order_by=deliveries.c.next_attempt_at,
            limit=limit,
        )


def _held(delivery_ids: Sequence[uuid.UUID], claimant: str) -> tuple[Any, ...]:
    return (
        deliveries.c.id.in_(delivery_ids),
        deliveries.c.claimed_by == claimant,
        deliveries.c.status == PENDING,
    )


def _to_delivery(row: Any) -> WebhookDelivery:
    return WebhookDelivery(
        id=row["id"],
        event_id=row["event_id"],
        subscription_id=row["subscription_id"],
        event_type=row["event_type"],
        body=row["body"] or "",
        created_at=row["created_at"],
        attempts=row["attempts"],
        trace_context=row["trace_context"] or "",
    )
