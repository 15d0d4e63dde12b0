"""The Outbox port's contract (claims, leases, settling only one's own claim, retries, pruning), held by the
fake and by the SQL adapter on PostgreSQL and SQLite."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from adapters.sqlalchemy.tables import outbox_messages
from domain.mail import EmailContent, OutboxMessage
from domain.suppressions import Suppression, SuppressionSource
from tests.fakes import FakeUnitOfWork
from tests.ports.conftest import NOW


async def outbox_rows(uow: Any) -> dict[uuid.UUID, dict[str, Any]]:
    """What each backend keeps of a message, in the table's terms: the port gives no way to read it back."""
    if isinstance(uow, FakeUnitOfWork):
        return {
            i: {
                "status": r["status"],
                "claimed_by": r["claimed_by"],
                "attempts": r["attempts"],
                "last_error": r["error"],
                "text_body": r["message"].content.text_body or None,
                "html_body": r["message"].content.html_body or None,
            }
            for i, r in uow.store.outbox.items()
        }
    async with uow:
        result = await uow._connection.execute(select(outbox_messages))
        return {row["id"]: dict(row) for row in result.mappings()}


async def store(uow: Any, *messages: OutboxMessage) -> None:
    async with uow:
        for queued in messages:
            await uow.outbox.add(queued)
        await uow.commit()


def message(n: int = 0) -> OutboxMessage:
    return OutboxMessage(
        recipient=f"r{n}@example.com",
        created_at=NOW + timedelta(seconds=n),
        content=EmailContent("Hello", "text https://x/verify/t", "<p>html</p>"),
    )


async def test_a_claimed_message_is_not_claimed_again_until_its_lease_lapses(uow: Any) -> None:
    async with uow:
        await uow.outbox.add(message())
        await uow.commit()
    async with uow:
        [claimed] = await uow.outbox.claim(10, NOW, timedelta(minutes=2), "w1")
        await uow.commit()
    assert claimed.attempts == 1 and claimed.content.text_body.startswith("text")
    async with uow:
        assert await uow.outbox.claim(10, NOW + timedelta(minutes=1), timedelta(minutes=2), "w2") == []
        [again] = await uow.outbox.claim(10, NOW + timedelta(minutes=3), timedelta(minutes=2), "w2")
        await uow.commit()
    assert again.message_id == claimed.message_id and again.attempts == 2


async def test_a_sent_message_loses_its_body_and_a_failed_one_waits(uow: Any) -> None:
    first, second = message(0), message(1)
    await store(uow, first, second)
    async with uow:
        await uow.outbox.claim(10, NOW + timedelta(seconds=5), timedelta(minutes=2), "w1")
        await uow.outbox.mark_sent([first.id], NOW, "w1")
        await uow.outbox.mark_failed(second.id, "451 later", NOW + timedelta(hours=1), "w1")
        await uow.commit()
    async with uow:
        assert await uow.outbox.claim(10, NOW + timedelta(minutes=30), timedelta(minutes=2), "w1") == []
        [retried] = await uow.outbox.claim(10, NOW + timedelta(hours=2), timedelta(minutes=2), "w1")
    assert retried.id == second.id
    rows = await outbox_rows(uow)
    assert rows[first.id]["text_body"] is None and rows[first.id]["status"] == "sent"
    assert rows[second.id]["last_error"] == "451 later"


async def test_only_the_holder_of_a_claim_settles_renews_or_releases_it(uow: Any) -> None:
    lease = timedelta(minutes=2)
    async with uow:
        await uow.outbox.add(message())
        await uow.commit()
    async with uow:
        [mine] = await uow.outbox.claim(10, NOW, lease, "w1")
        # w1 stalls past its lease; w2 takes the message over.
        [theirs] = await uow.outbox.claim(10, NOW + timedelta(minutes=3), lease, "w2")
        assert await uow.outbox.renew([mine.id], NOW + timedelta(minutes=4), "w1") == set()
        await uow.outbox.release([mine.id], NOW, "w1")
        await uow.outbox.mark_failed(mine.id, "late", None, "w1")
        await uow.outbox.mark_sent([mine.id], NOW, "w1")
        assert await uow.outbox.renew([theirs.id], NOW + timedelta(minutes=4), "w2") == {theirs.id}
        await uow.commit()
    row = (await outbox_rows(uow))[mine.id]
    assert (row["status"], row["claimed_by"], row["attempts"]) == ("pending", "w2", 2)


async def test_release_gives_back_an_attempt_and_revive_and_prune_work(uow: Any) -> None:
    lease = timedelta(minutes=2)
    first, second = message(0), message(1)
    await store(uow, first, second)
    async with uow:
        await uow.outbox.claim(10, NOW + timedelta(seconds=5), lease, "w1")
        await uow.outbox.release([first.id], NOW + timedelta(seconds=5), "w1")
        await uow.outbox.mark_failed(second.id, "550 no such user", None, "w1")
        await uow.commit()
    rows = await outbox_rows(uow)
    assert (rows[first.id]["attempts"], rows[first.id]["claimed_by"]) == (0, None)
    assert rows[second.id]["status"] == "dead"

    async with uow:
        assert await uow.outbox.revive(NOW, second.id) == 1
        assert await uow.outbox.revive(NOW) == 0
        claimed = await uow.outbox.claim(10, NOW + timedelta(seconds=6), lease, "w1")
        await uow.outbox.mark_sent([m.id for m in claimed], NOW + timedelta(days=1), "w1")
        stats = await uow.outbox.stats()
        assert (stats.pending, stats.sent, stats.dead) == (0, 2, 0)
        assert await uow.outbox.prune_sent(NOW + timedelta(days=2)) == 2


async def test_claims_take_the_earliest_due_first_and_answer_in_creation_order(uow: Any) -> None:
    lease = timedelta(minutes=2)
    first, second, third = message(0), message(1), message(2)
    await store(uow, first, second, third)
    async with uow:
        assert [m.id for m in await uow.outbox.claim(10, NOW, lease, "w1")] == [
            first.id
        ]  # the others not due
        await uow.outbox.mark_failed(first.id, "451 later", NOW + timedelta(hours=1), "w1")
        await uow.commit()
    async with uow:
        assert [m.id for m in await uow.outbox.claim(2, NOW + timedelta(hours=2), lease, "w1")] == [
            second.id,
            third.id,
        ]
        assert [m.id for m in await uow.outbox.claim(2, NOW + timedelta(hours=2), lease, "w2")] == [first.id]


async def test_a_claim_can_name_the_recipients_on_the_suppression_list(uow: Any) -> None:
    lease = timedelta(minutes=2)
    first, second, third = message(0), message(1), message(2)
    await store(uow, first, second, third)
    async with uow:
        await uow.suppressions.add(Suppression(second.recipient, SuppressionSource.HARD, "bounced", NOW))
        await uow.commit()
    async with uow:
        assert await uow.outbox.claim_noting_suppressed(10, NOW - timedelta(seconds=1), lease, "w1") == (
            [],
            set(),
        )  # none due yet
        claimed, suppressed = await uow.outbox.claim_noting_suppressed(
            10, NOW + timedelta(seconds=5), lease, "w1"
        )
        await uow.commit()
    assert [m.id for m in claimed] == [first.id, second.id, third.id]
    assert [m.attempts for m in claimed] == [1, 1, 1]
    assert suppressed == {second.recipient}
    async with uow:  # claimed as `claim` claims: held until the lease lapses
        assert await uow.outbox.claim_noting_suppressed(10, NOW + timedelta(minutes=1), lease, "w2") == (
            [],
            set(),
        )
    assert {row["claimed_by"] for row in (await outbox_rows(uow)).values()} == {"w1"}


async def test_a_suppressed_message_loses_its_body_and_is_pruned_with_the_unsent(uow: Any) -> None:
    lease = timedelta(minutes=2)
    first, second = message(0), message(1)
    await store(uow, first, second)
    async with uow:
        await uow.outbox.claim(10, NOW + timedelta(seconds=1), lease, "w1")
        await uow.outbox.mark_suppressed(first.id, "suppressed: hard bounce", "w2")  # not w2's claim
        await uow.outbox.mark_suppressed(first.id, "suppressed: hard bounce", "w1")
        await uow.outbox.mark_failed(second.id, "x" * 3000, None, "w1")
        await uow.commit()
    found = await outbox_rows(uow)
    assert (found[first.id]["status"], found[first.id]["last_error"]) == (
        "suppressed",
        "suppressed: hard bounce",
    )
    assert found[first.id]["text_body"] is None and found[first.id]["html_body"] is None
    assert (found[second.id]["status"], found[second.id]["last_error"]) == ("dead", "x" * 2000)
    async with uow:
        stats = await uow.outbox.stats()
        assert (stats.pending, stats.sent, stats.dead, stats.oldest_pending_created_at) == (0, 0, 1, None)
        assert await uow.outbox.prune_unsent(NOW, limit=5) == 0  # both settled after NOW
        assert await uow.outbox.prune_unsent(NOW + timedelta(seconds=2), limit=1) == 1
        assert await uow.outbox.prune_unsent(NOW + timedelta(seconds=2)) == 1
        await uow.commit()
    assert await outbox_rows(uow) == {}


async def test_cancelling_mail_to_an_address_stops_its_unsent_messages_only(uow: Any) -> None:
    lease = timedelta(minutes=2)
    sent, pending, dead, other = message(0), message(1), message(2), message(3)
    pending = OutboxMessage(recipient=sent.recipient, created_at=pending.created_at, content=pending.content)
    dead = OutboxMessage(recipient=sent.recipient, created_at=dead.created_at, content=dead.content)
    await store(uow, sent, pending, dead, other)
    async with uow:
        await uow.outbox.claim(10, NOW + timedelta(seconds=5), lease, "w1")
        await uow.outbox.mark_sent([sent.id], NOW + timedelta(seconds=5), "w1")
        await uow.outbox.release([pending.id, other.id], NOW + timedelta(seconds=5), "w1")
        await uow.outbox.mark_failed(dead.id, "550", None, "w1")
        assert await uow.outbox.cancel_to(sent.recipient, NOW + timedelta(minutes=1)) == 2
        stats = await uow.outbox.stats(count_sent=False)
        assert (stats.pending, stats.sent, stats.dead) == (1, 0, 0)
        assert stats.oldest_pending_created_at == other.created_at
        assert [m.id for m in await uow.outbox.claim(10, NOW + timedelta(hours=1), lease, "w1")] == [other.id]
        assert await uow.outbox.revive(NOW) == 0  # a cancelled message is not dead
        await uow.commit()
    found = await outbox_rows(uow)
    assert {i: r["status"] for i, r in found.items()} == {
        sent.id: "sent",
        pending.id: "cancelled",
        dead.id: "cancelled",
        other.id: "pending",
    }
    assert found[pending.id]["text_body"] is None and found[dead.id]["html_body"] is None
    assert found[pending.id]["claimed_by"] is None


async def test_a_limited_prune_takes_the_oldest_first(uow: Any) -> None:
    lease = timedelta(minutes=2)
    messages = [message(n) for n in range(3)]
    await store(uow, *reversed(messages))
    async with uow:
        await uow.outbox.claim(10, NOW + timedelta(seconds=5), lease, "w1")
        await uow.outbox.mark_sent([m.id for m in messages], NOW + timedelta(minutes=1), "w1")
        assert await uow.outbox.prune_sent(NOW + timedelta(minutes=2), limit=1) == 1
        await uow.commit()
    assert set(await outbox_rows(uow)) == {messages[1].id, messages[2].id}
