"""The EventOutbox, WebhookSubscriptions and WebhookDeliveries ports' contracts, held by the fakes and by the
SQL adapters on PostgreSQL and SQLite."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from domain.events import AccountEvent
from domain.webhooks import ReceiverAnswer, WebhookDelivery, WebhookSubscription
from tests.ports.conftest import NOW

LEASE = timedelta(minutes=2)


def subscription(n: int = 0) -> WebhookSubscription:
    return WebhookSubscription(
        url=f"https://hooks{n}.example.com/in",
        events=frozenset({"user.created", "user.deleted"}),
        sealed_secret="sealed",
        created_at=NOW + timedelta(seconds=n),
    )


def delivery(to: WebhookSubscription, n: int = 0) -> WebhookDelivery:
    return WebhookDelivery(
        event_id=uuid.uuid4(),
        subscription_id=to.id,
        event_type="user.created",
        body=f'{{"n": {n}}}',
        created_at=NOW + timedelta(seconds=n),
    )


async def test_subscriptions_are_listed_in_creation_order_disabled_and_removed(uow: Any) -> None:
    first, second = subscription(0), subscription(1)
    async with uow:
        await uow.webhooks.add(second)
        await uow.webhooks.add(first)
        await uow.commit()
    async with uow:
        assert list(await uow.webhooks.list()) == [first, second]
        assert await uow.webhooks.get(first.id) == first and await uow.webhooks.get(uuid.uuid4()) is None
        await uow.webhooks.disable(first.id, "gone", NOW + timedelta(hours=1))
        await uow.commit()
    async with uow:
        disabled = await uow.webhooks.get(first.id)
        assert (disabled.disabled_at, disabled.disabled_reason, disabled.active) == (
            NOW + timedelta(hours=1),
            "gone",
            False,
        )
        assert await uow.webhooks.remove(first.id) and not await uow.webhooks.remove(first.id)
        assert [s.id for s in await uow.webhooks.list()] == [second.id]


async def test_a_removed_subscription_takes_its_deliveries(uow: Any) -> None:
    kept, gone = subscription(0), subscription(1)
    async with uow:
        await uow.webhooks.add(kept)
        await uow.webhooks.add(gone)
        await uow.webhook_deliveries.add([delivery(kept), delivery(gone, 1)])
        await uow.webhooks.remove(gone.id)
        await uow.commit()
    async with uow:
        assert (await uow.webhook_deliveries.stats()).pending == 1


async def test_claims_skip_the_busy_the_held_and_the_not_yet_due(uow: Any) -> None:
    one, two = subscription(0), subscription(1)
    first, second, third = delivery(one, 2), delivery(two, 1), delivery(one, 3)
    async with uow:
        await uow.webhooks.add(one)
        await uow.webhooks.add(two)
        await uow.webhook_deliveries.add([first, second, third])
        await uow.webhook_deliveries.add([])
        await uow.commit()
    async with uow:
        assert await uow.webhook_deliveries.claim(10, NOW, LEASE, "w1") == []
        [claimed] = await uow.webhook_deliveries.claim(
            1, NOW + timedelta(seconds=5), LEASE, "w1", busy=[two.id]
        )
        assert (claimed.id, claimed.attempts, claimed.body) == (first.id, 1, first.body)
        rest = await uow.webhook_deliveries.claim(10, NOW + timedelta(seconds=5), LEASE, "w2")
        assert [d.id for d in rest] == [second.id, third.id]  # in creation order
        assert await uow.webhook_deliveries.claim(10, NOW + timedelta(minutes=1), LEASE, "w3") == []
        # w1's lease lapses: w3 takes the delivery over, and w1 can no longer renew, release or settle it.
        [again] = await uow.webhook_deliveries.claim(
            1, NOW + timedelta(minutes=3), LEASE, "w3", busy=[two.id]
        )
        assert (again.id, again.attempts) == (first.id, 2)
        assert await uow.webhook_deliveries.renew([first.id], NOW + timedelta(minutes=4), "w1") == set()
        await uow.webhook_deliveries.release([first.id], NOW, "w1")
        await uow.webhook_deliveries.settle(
            first.id, "w1", sent_at=NOW, answer=None, error=None, retry_at=None
        )
        assert await uow.webhook_deliveries.renew([first.id, third.id], NOW + timedelta(minutes=4), "w3") == {
            first.id
        }
        await uow.commit()
    async with uow:
        stats = await uow.webhook_deliveries.stats()
        assert (stats.pending, stats.sent, stats.dead) == (3, 0, 0)


async def test_a_settled_delivery_is_sent_retried_or_dead_and_a_release_gives_back_its_attempt(
    uow: Any,
) -> None:
    hook = subscription()
    sent, retried, dead, released = (delivery(hook, n) for n in range(4))
    async with uow:
        await uow.webhooks.add(hook)
        await uow.webhook_deliveries.add([sent, retried, dead, released])
        await uow.webhook_deliveries.claim(10, NOW + timedelta(seconds=5), LEASE, "w1")
        await uow.webhook_deliveries.settle(
            sent.id,
            "w1",
            sent_at=NOW + timedelta(seconds=5),
            answer=ReceiverAnswer(204, ""),
            error=None,
            retry_at=None,
        )
        await uow.webhook_deliveries.settle(
            retried.id,
            "w1",
            sent_at=None,
            answer=ReceiverAnswer(503, "busy"),
            error="503",
            retry_at=NOW + timedelta(hours=1),
        )
        await uow.webhook_deliveries.settle(
            dead.id, "w1", sent_at=None, answer=None, error="refused", retry_at=None
        )
        await uow.webhook_deliveries.release([released.id], NOW + timedelta(minutes=30), "w1")
        await uow.commit()
    async with uow:
        stats = await uow.webhook_deliveries.stats()
        assert (stats.pending, stats.sent, stats.dead, stats.oldest_pending_created_at) == (
            2,
            1,
            1,
            retried.created_at,
        )
        quick = await uow.webhook_deliveries.stats(count_sent=False)
        assert (quick.pending, quick.sent, quick.dead) == (2, 0, 1)
        [back] = await uow.webhook_deliveries.claim(10, NOW + timedelta(minutes=30), LEASE, "w1")
        assert (back.id, back.attempts) == (released.id, 1)  # the released claim did not count
        await uow.webhook_deliveries.settle(
            back.id,
            "w1",
            sent_at=NOW + timedelta(minutes=30),
            answer=ReceiverAnswer(200, "ok"),
            error=None,
            retry_at=None,
        )
        [later] = await uow.webhook_deliveries.claim(10, NOW + timedelta(hours=1), LEASE, "w1")
        assert (later.id, later.attempts) == (retried.id, 2)
        assert await uow.webhook_deliveries.revive(NOW + timedelta(hours=1), uuid.uuid4()) == 0
        assert await uow.webhook_deliveries.revive(NOW + timedelta(hours=1), dead.id) == 1
        [revived] = await uow.webhook_deliveries.claim(10, NOW + timedelta(hours=1), LEASE, "w2")
        assert (revived.id, revived.attempts) == (dead.id, 1)  # every retry once more
        await uow.webhook_deliveries.settle(
            revived.id, "w2", sent_at=None, answer=None, error="x", retry_at=None
        )
        assert await uow.webhook_deliveries.prune_sent(NOW + timedelta(seconds=5)) == 0
        assert await uow.webhook_deliveries.prune_sent(NOW + timedelta(seconds=6)) == 1
        assert await uow.webhook_deliveries.prune_dead(NOW + timedelta(hours=1)) == 0  # died at its last due
        assert await uow.webhook_deliveries.prune_dead(NOW + timedelta(hours=2), limit=1) == 1
        stats = await uow.webhook_deliveries.stats()
        assert (stats.pending, stats.sent, stats.dead) == (1, 1, 0)


async def test_account_events_are_claimed_oldest_first_until_removed(uow: Any) -> None:
    events = [
        AccountEvent(
            "user.created",
            NOW + timedelta(seconds=n),
            f'{{"n": {n}}}',
            trace_context="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" if n else "",
        )
        for n in range(3)
    ]
    async with uow:
        for event in reversed(events):
            await uow.events.add(event)
        await uow.commit()
    async with uow:
        assert list(await uow.events.claim(2)) == events[:2]
        await uow.events.remove([events[0].id, uuid.uuid4()])
        await uow.commit()
    async with uow:
        assert list(await uow.events.claim(10)) == events[1:]
