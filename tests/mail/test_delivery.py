from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from application.mail.deliver_outbox import ClaimedBatch, DeliverOutbox
from application.ports.unit_of_work import HasOutbox
from application.shared.config import DeliveryPolicy
from application.signup.register_user import Signup
from domain.email import Email
from domain.mail import DeliveryError
from domain.user import User
from tests.fakes import FakeOutbox, FakeUnitOfWork
from tests.world import World


@pytest.fixture
async def world() -> World:
    world = World()
    async with world.uow as uow:
        await uow.outbox.add(world.emails.custom("ada@example.com", "admin_message"))
        await uow.commit()
    return world


async def world_with_queued(count: int) -> World:
    world = World()
    async with world.uow as uow:
        for n in range(count):
            await uow.outbox.add(world.emails.custom(f"r{n}@example.com", "admin_message"))
        await uow.commit()
    return world


def deliver(world: World, max_attempts: int = 3) -> DeliverOutbox:
    world.delivery_policy = DeliveryPolicy(max_attempts=max_attempts, first_retry=timedelta(seconds=10))
    return world.deliver_outbox()


def status(world: World) -> str:
    [row] = world.uow.store.outbox.values()
    return row["status"]


async def test_a_due_message_is_sent_once(world: World) -> None:
    assert await deliver(world).execute() == 1
    assert await deliver(world).execute() == 0
    assert [m.recipient for m in world.mail.sent] == ["ada@example.com"] and status(world) == "sent"


async def test_a_temporary_failure_is_retried_after_a_backoff(world: World) -> None:
    world.mail.fail_next(DeliveryError("451 try later"))
    await deliver(world).execute()
    assert status(world) == "pending" and world.mail.sent == []

    assert await deliver(world).execute() == 0  # not due yet
    world.clock.advance(timedelta(seconds=10))
    await deliver(world).execute()
    assert status(world) == "sent" and len(world.mail.sent) == 1


async def test_a_permanent_failure_is_dead_at_once_with_its_error(world: World) -> None:
    world.mail.fail_next(DeliveryError("550 no such user", permanent=True))
    await deliver(world).execute()
    [row] = world.uow.store.outbox.values()
    assert (row["status"], row["error"]) == ("dead", "550 no such user")


async def test_a_message_is_dead_after_the_last_attempt(world: World) -> None:
    world.mail.fail_next(*[DeliveryError("timeout")] * 3)
    for _ in range(3):
        await deliver(world).execute()
        world.clock.advance(timedelta(hours=1))
    assert status(world) == "dead" and world.mail.sent == []


async def test_the_same_message_id_is_used_on_every_attempt(world: World) -> None:
    world.mail.fail_next(DeliveryError("timeout"))
    [queued] = world.uow.outbox_messages
    await deliver(world).execute()
    world.clock.advance(timedelta(hours=1))
    await deliver(world).execute()
    assert world.mail.sent[0].message_id == queued.message_id


async def test_when_the_server_is_away_the_rest_of_the_batch_waits_without_spending_attempts() -> None:
    world = await world_with_queued(3)
    world.mail.fail_next(DeliveryError("connection refused", server_unavailable=True))

    assert await deliver(world).execute() == 1
    assert [r["attempts"] for r in world.uow.store.outbox.values()] == [1, 0, 0]
    assert await deliver(world).execute() == 0  # everything waits for the retry time
    world.clock.advance(timedelta(seconds=10))
    assert await deliver(world).execute() == 3 and len(world.mail.sent) == 3


async def test_a_stopping_worker_finishes_the_message_in_hand_and_hands_back_the_rest() -> None:
    world = await world_with_queued(3)
    stop_after_first = iter([False, True, True])

    assert await deliver(world).execute(should_stop=lambda: next(stop_after_first)) == 1
    assert len(world.mail.sent) == 1
    assert await deliver(world).execute() == 2  # handed back at once, not after the lease
    assert len(world.mail.sent) == 3


async def test_a_slow_batch_renews_its_claim_so_no_other_worker_takes_its_messages(world: World) -> None:
    async with world.uow as uow:
        await uow.outbox.add(world.emails.custom("second@example.com", "admin_message"))
        await uow.commit()
    policy = world.delivery_policy = DeliveryPolicy(lease=timedelta(seconds=60))
    taken_by_other: list[object] = []

    class SlowSender(type(world.mail)):  # type: ignore[misc]
        async def send(self, message):  # type: ignore[no-untyped-def]
            world.clock.advance(timedelta(seconds=40))
            # Past the first claim's lease (60 s) during the second send: only a renewed claim holds.
            async with FakeUnitOfWork(world.uow.store) as other:
                taken_by_other.extend(await other.outbox.claim(10, world.clock.now(), policy.lease, "other"))
                await other.commit()
            await super().send(message)

    sender = SlowSender()
    await world.deliver_outbox(sender).execute()
    assert len(sender.sent) == 2 and taken_by_other == []
    assert all(row["status"] == "sent" for row in world.uow.store.outbox.values())


async def test_a_sender_that_fails_unexpectedly_costs_an_attempt_not_the_worker() -> None:
    world = World()
    async with world.uow as uow:
        await uow.outbox.add(world.emails.custom("ada@example.com", "admin_message"))
        await uow.commit()

    class BrokenSender(type(world.mail)):  # type: ignore[misc]
        async def send(self, message):  # type: ignore[no-untyped-def]
            raise RuntimeError("template engine exploded")

    await world.deliver_outbox(BrokenSender()).execute()
    [row] = world.uow.store.outbox.values()
    assert row["status"] == "pending" and row["attempts"] == 1 and "template engine exploded" in row["error"]


async def test_a_link_that_expired_in_the_queue_is_not_sent() -> None:
    world = World()
    async with world.uow as uow:
        await uow.users.add(
            User(email=Email.parse("ada@example.com"), password_hash="h", created_at=world.clock.now())
        )
        user = await uow.users.get_by_email(Email.parse("ada@example.com"))
        await world.emails.send_password_reset(uow, user)  # type: ignore[arg-type]
        await uow.commit()
    world.clock.advance(world.lifetimes.reset)

    await deliver(world).execute()
    [row] = world.uow.store.outbox.values()
    assert world.mail.sent == [] and row["status"] == "dead" and "expired" in row["error"]


async def test_every_outcome_of_a_long_batch_is_recorded() -> None:
    world = await world_with_queued(30)
    world.mail.fail_next(DeliveryError("550 no such user", permanent=True))

    assert await deliver(world).execute() == 30
    statuses = [row["status"] for row in world.uow.store.outbox.values()]
    assert statuses.count("sent") == 29 and statuses.count("dead") == 1
    assert world.uow.commits < 30  # outcomes are committed a few at a time


class LiveOutbox:
    """The heartbeat's own unit of work, on the rows as they are now (the fake's copy-on-enter would write
    a stale copy back over the outcomes)."""

    def __init__(self, main: FakeUnitOfWork) -> None:
        self._main = main
        self.renewals = 0

    async def __aenter__(self) -> LiveOutbox:
        self.outbox = FakeOutbox(self._main.store.outbox, self._main.store.suppressions)
        return self

    async def __aexit__(self, *exc: object) -> None:
        pass

    async def commit(self) -> None:
        self.renewals += 1


async def test_a_heartbeat_renews_the_claim_during_a_long_send_and_only_while_it_holds_it() -> None:
    world = await world_with_queued(3)
    policy = DeliveryPolicy(lease=timedelta(seconds=0.3))  # a heartbeat every 0.1 s
    heartbeat = LiveOutbox(world.uow)
    first_send_may_end = asyncio.Event()

    class SlowSender(type(world.mail)):  # type: ignore[misc]
        async def send(self, message):  # type: ignore[no-untyped-def]
            if not self.sent:
                await first_send_may_end.wait()
            await super().send(message)

    sender = SlowSender()
    deliver = DeliverOutbox(
        uow=world.uow, sender=sender, clock=world.clock, policy=policy, heartbeat_uow=heartbeat
    )
    batch = asyncio.create_task(deliver.execute())

    def rows() -> list[dict]:  # type: ignore[type-arg]
        return list(world.uow.store.outbox.values())  # each commit of the fake puts a new store in place

    await asyncio.sleep(0.05)
    first_claim = max(row["claimed_until"] for row in rows())
    world.clock.advance(timedelta(seconds=10))  # far past the first claim's lease: only a renewal holds it
    await asyncio.sleep(0.25)
    assert heartbeat.renewals >= 1
    assert all(row["claimed_until"] > first_claim for row in rows()), "the claim was renewed"
    # Another worker has taken the third message over (as after a lapse): the heartbeat leaves it to it.
    taken_until = world.clock.now() + timedelta(seconds=1)
    rows()[2].update(claimed_by="other", claimed_until=taken_until)
    await asyncio.sleep(0.25)
    first_send_may_end.set()
    await batch

    third = rows()[2]
    assert third["claimed_by"] == "other" and third["claimed_until"] == taken_until, "never renewed"
    assert [m.recipient for m in sender.sent] == [
        "r0@example.com",
        "r1@example.com",
    ]  # not the one taken over


async def signed_up_with_a_claim_at_hand() -> tuple[
    World, DeliverOutbox, list[ClaimedBatch], Callable[[HasOutbox], Awaitable[None]]
]:
    """Ada signed up (her email request waiting), and what claims the outbox inside the transaction
    that answers it, keeping the batch."""
    world = World()
    await world.register_user().execute(Signup("ada@example.com", "correct horse"))
    delivery = deliver(world)
    claimed: list[ClaimedBatch] = []

    async def claim(uow: HasOutbox) -> None:
        claimed.append(await delivery.claim_within(uow))

    return world, delivery, claimed, claim


async def test_emails_a_worker_queues_are_claimed_in_that_transaction_and_sent_without_another() -> None:
    world, delivery, claimed, claim = await signed_up_with_a_claim_at_hand()
    commits = world.uow.commits
    assert await world.process_email_requests().execute(then=claim) == 1
    assert world.uow.commits == commits + 1  # the answer, its email and the claim: one transaction
    [batch] = claimed
    [row] = world.uow.store.outbox.values()
    assert [m.recipient for m in batch.messages] == ["ada@example.com"] and batch.suppressed == set()
    assert (row["status"], row["claimed_by"], row["attempts"]) == ("pending", batch.claimant, 1)

    assert await delivery.execute(claimed=batch) == 1
    assert [m.recipient for m in world.mail.sent] == ["ada@example.com"] and status(world) == "sent"
    assert await deliver(world).execute() == 0  # sent once


async def test_a_claim_in_a_transaction_that_fails_to_commit_leaves_nothing_to_send() -> None:
    world, _, _, claim = await signed_up_with_a_claim_at_hand()
    world.uow.fail_commit = True
    with pytest.raises(ConnectionError):
        await world.process_email_requests().execute(then=claim)
    world.uow.fail_commit = False
    assert world.uow.store.outbox == {} and world.mail.sent == []
    # The request waits still: answered again, its email is queued and sent as any other.
    assert await world.answer_email_requests() == 1
    assert await deliver(world).execute() == 1 and len(world.mail.sent) == 1


class CountedUnitOfWork:
    """The world's unit of work, counting the transactions begun through it."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow
        self.begun = 0

    async def __aenter__(self) -> FakeUnitOfWork:
        self.begun += 1
        return await self._uow.__aenter__()

    async def __aexit__(self, *exc: object) -> None:
        await self._uow.__aexit__(*exc)


async def test_only_a_group_of_outcomes_all_sent_is_written_as_one_statement_alone() -> None:
    world = await world_with_queued(2)
    single = CountedUnitOfWork(world.uow)
    delivery = DeliverOutbox(
        uow=world.uow,
        sender=world.mail,
        clock=world.clock,
        policy=DeliveryPolicy(first_retry=timedelta(seconds=10)),
        single_statement_uow=single,  # type: ignore[arg-type]
    )
    world.mail.fail_next(DeliveryError("451 try later"))
    assert await delivery.execute() == 2
    assert single.begun == 0  # a failure and a send: written together, in one transaction
    world.clock.advance(timedelta(seconds=10))
    assert await delivery.execute() == 1
    assert single.begun == 1 and len(world.mail.sent) == 2
    assert [row["status"] for row in world.uow.store.outbox.values()] == ["sent", "sent"]
