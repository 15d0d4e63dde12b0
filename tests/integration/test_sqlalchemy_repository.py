"""The SQLAlchemy repositories and unit of work, on PostgreSQL and on SQLite."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from domain.email import Email
from domain.errors import UserAlreadyExists
from domain.mail import EmailContent, OutboxMessage
from domain.sessions import SpendOutcome
from domain.suppressions import Suppression, SuppressionSource
from domain.user import User
from tests.fakes import LIMITS, FakeClock

NOW = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def new_user(address: str = "ada@example.com") -> User:
    return User(email=Email.parse(address), password_hash="hash", created_at=NOW, first_name="Ada")


@pytest.fixture
def uow(engine: AsyncEngine) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(engine=engine, limits=LIMITS, clock=FakeClock(NOW))


async def store(uow: SqlAlchemyUnitOfWork, *messages: OutboxMessage) -> None:
    async with uow:
        for queued in messages:
            await uow.outbox.add(queued)
        await uow.commit()


def message(n: int = 0) -> OutboxMessage:
    return OutboxMessage(recipient=f"r{n}@example.com", created_at=NOW + timedelta(seconds=n),
                         content=EmailContent("Hello", "text https://x/verify/t", "<p>html</p>"))


async def test_a_claimed_message_is_not_claimed_again_until_its_lease_lapses(uow: SqlAlchemyUnitOfWork) -> None:
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


async def test_a_sent_message_loses_its_body_and_a_failed_one_waits(uow: SqlAlchemyUnitOfWork) -> None:
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
    rows = await _outbox_rows(uow)
    assert rows[first.id]["text_body"] is None and rows[first.id]["status"] == "sent"
    assert rows[second.id]["last_error"] == "451 later"


async def _outbox_rows(uow: SqlAlchemyUnitOfWork) -> dict:
    from sqlalchemy import select

    from adapters.sqlalchemy.tables import outbox_messages

    async with uow:
        result = await uow._connection.execute(select(outbox_messages))  # type: ignore[union-attr]
        return {row["id"]: row for row in result.mappings()}


async def test_only_the_holder_of_a_claim_settles_renews_or_releases_it(uow: SqlAlchemyUnitOfWork) -> None:
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
    row = (await _outbox_rows(uow))[mine.id]
    assert (row["status"], row["claimed_by"], row["attempts"]) == ("pending", "w2", 2)


async def test_release_gives_back_an_attempt_and_revive_and_prune_work(uow: SqlAlchemyUnitOfWork) -> None:
    lease = timedelta(minutes=2)
    first, second = message(0), message(1)
    await store(uow, first, second)
    async with uow:
        await uow.outbox.claim(10, NOW + timedelta(seconds=5), lease, "w1")
        await uow.outbox.release([first.id], NOW + timedelta(seconds=5), "w1")
        await uow.outbox.mark_failed(second.id, "550 no such user", None, "w1")
        await uow.commit()
    rows = await _outbox_rows(uow)
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
        await uow.commit()


async def test_a_naive_datetime_never_reaches_the_database(uow: SqlAlchemyUnitOfWork) -> None:
    naive = User(email=Email.parse("ada@example.com"), password_hash="h", created_at=datetime(2026, 1, 1))
    with pytest.raises(Exception, match="naive datetime"):
        async with uow:
            await uow.users.add(naive)
