from datetime import timedelta

from application.shared.config import DeliveryPolicy
from domain.mail import DeliveryError
from tests.world import World


async def queue(world: World, count: int) -> None:
    async with world.uow as uow:
        for n in range(count):
            await uow.outbox.add(world.emails.custom(f"r{n}@example.com", "admin_message"))
        await uow.commit()


async def test_status_counts_by_state_and_tells_the_oldest_pending() -> None:
    world = World()
    await queue(world, 3)
    world.mail.fail_next(DeliveryError("550 no such user", permanent=True))
    world.delivery_policy = DeliveryPolicy(batch_size=2)
    await world.deliver_outbox().execute()

    stats = (await world.outbox_status().execute()).emails
    assert (stats.pending, stats.sent, stats.dead) == (1, 1, 1)
    assert stats.oldest_pending_created_at == world.clock.now()


async def test_a_revived_dead_message_is_delivered() -> None:
    world = World()
    await queue(world, 1)
    world.mail.fail_next(DeliveryError("550 mailbox full", permanent=True))
    deliver = world.deliver_outbox()
    await deliver.execute()

    assert await world.revive_dead_messages().execute() == 1
    await deliver.execute()
    assert len(world.mail.sent) == 1 and await world.revive_dead_messages().execute() == 0


async def test_only_sent_messages_past_the_retention_are_pruned() -> None:
    world = World()
    await queue(world, 2)
    world.delivery_policy = DeliveryPolicy(batch_size=1)
    await world.deliver_outbox().execute()
    world.clock.advance(timedelta(days=31))

    assert await world.housekeeping().execute() == 0
    assert await world.housekeeping(timedelta(days=30)).execute() == 1
    stats = (await world.outbox_status().execute()).emails
    assert (stats.pending, stats.sent) == (1, 0)
