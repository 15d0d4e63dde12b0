"""Each retention rule on a fake clock: a row is kept until its time has passed, then goes, a batch at a
time."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from application.sessions.login import Credentials
from domain.mail import DeliveryError
from tests.world import World

DAY = timedelta(days=1)
RETENTION = dict(unsent_retention=180 * DAY, token_retention=7 * DAY, trail_retention=365 * DAY)


def housekeeping(world: World, pruned: Counter[str]):  # type: ignore[no-untyped-def]
    return world.housekeeping(30 * DAY, count=lambda kind, n: pruned.update({kind: n}), **RETENTION)


async def a_year_of_history(world: World) -> None:
    """A sign-up whose email went, one whose email was refused for good, a login, and their counters."""
    await world.sign_up("ada@example.com")
    await world.deliver_outbox().execute()
    world.mail.fail_next(DeliveryError("550 no such mailbox", permanent=True))
    await world.sign_up("bo@example.com")
    await world.deliver_outbox().execute()
    await world.login().execute(Credentials("ada@example.com", "correct horse"))


async def test_each_kind_goes_once_its_retention_has_passed_and_not_before() -> None:
    world, pruned = World(), Counter[str]()
    await a_year_of_history(world)
    assert (
        world.uow.store.counters
        and world.uow.store.email_requests
        and world.uow.store.refresh_tokens
        and world.uow.store.security_events
    )
    statuses = sorted(row["status"] for row in world.uow.store.outbox.values())
    assert statuses == ["dead", "sent"]

    start = world.clock.now()

    async def after(days: float) -> dict[str, int]:
        """What goes when `days` have passed since the history."""
        world.clock.current = start + timedelta(days=days)
        pruned.clear()
        while await housekeeping(world, pruned).execute():  # as the worker runs it: again while rows go
            pass
        return dict(pruned)

    assert await after(1) == {}
    windows = len(world.uow.store.counters)
    assert await after(3) == {"rate_limit_windows": windows} and world.uow.store.email_requests
    assert await after(8) == {"email_requests": 2} and not world.uow.store.email_requests
    assert await after(20) == {} and world.uow.store.refresh_tokens  # expires after 14 days, kept 7 more
    assert await after(22) == {"refresh_tokens": 1} and not world.uow.store.refresh_tokens
    assert await after(31) == {"sent_emails": 1}
    assert [row["status"] for row in world.uow.store.outbox.values()] == ["dead"]
    assert await after(181) == {"unsent_emails": 1} and not world.uow.store.outbox
    assert world.uow.store.security_events and await after(364) == {}
    assert await after(366) == {"security_events": 3} and not world.uow.store.security_events


async def test_a_run_deletes_at_most_a_batch_of_each_kind() -> None:
    world, pruned = World(), Counter[str]()
    for n in range(5):
        await world.sign_up(f"user{n}@example.com")
    world.clock.advance(400 * DAY)
    windows = len(world.uow.store.counters)
    run = housekeeping(world, pruned)
    run.BATCH = run.TRAIL_BATCH = 2
    assert await run.execute() == min(windows, 2) + 2 + 2  # counters, answered requests, trail: a batch each
    assert len(world.uow.store.security_events) == 3
    while await run.execute():
        pass
    assert not world.uow.store.security_events and not world.uow.store.email_requests


async def test_pending_messages_are_never_pruned() -> None:
    world, pruned = World(), Counter[str]()
    await world.sign_up("ada@example.com")  # its email waits: no worker ran
    world.clock.advance(1000 * DAY)
    while await housekeeping(world, pruned).execute():
        pass
    assert [row["status"] for row in world.uow.store.outbox.values()] == ["pending"]
