"""The SQLAlchemy repositories and unit of work, on PostgreSQL and on SQLite."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from application.mail import EmailContent, OutboxMessage
from domain.email import Email
from domain.errors import UserAlreadyExists
from domain.user import User

NOW = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def new_user(address: str = "ada@example.com") -> User:
    return User(email=Email.parse(address), password_hash="hash", created_at=NOW, first_name="Ada")


@pytest.fixture
def uow(engine: AsyncEngine) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(engine)


async def test_a_user_round_trips_with_aware_utc_times(uow: SqlAlchemyUnitOfWork) -> None:
    user = new_user()
    async with uow:
        await uow.users.add(user)
        await uow.commit()
    async with uow:
        found = await uow.users.get_by_email(Email.parse("ADA@example.com"))
    assert found is not None and found.id == user.id and found.first_name == "Ada"
    assert found.created_at == NOW and found.created_at.tzinfo is not None


async def test_leaving_without_commit_rolls_back(uow: SqlAlchemyUnitOfWork) -> None:
    async with uow:
        await uow.users.add(new_user())
    async with uow:
        assert await uow.users.count() == 0


async def test_a_duplicate_address_is_refused(uow: SqlAlchemyUnitOfWork) -> None:
    async with uow:
        await uow.users.add(new_user())
        await uow.commit()
    with pytest.raises(UserAlreadyExists):
        async with uow:
            await uow.users.add(new_user())
            await uow.commit()


async def test_save_updates_and_list_pages(uow: SqlAlchemyUnitOfWork) -> None:
    users = [new_user(f"u{n}@example.com") for n in range(3)]
    async with uow:
        for user in users:
            await uow.users.add(user)
        await uow.commit()
    async with uow:
        user = await uow.users.get(users[0].id, for_update=True)
        assert user is not None and user.verify_email(user.email)
        await uow.users.save(user)
        await uow.commit()
    async with uow:
        assert (await uow.users.get(users[0].id)).is_verified  # type: ignore[union-attr]
        assert len(await uow.users.list(offset=1, limit=5)) == 2 and await uow.users.count() == 3


async def test_a_refresh_token_is_used_once_and_revoked_by_family(uow: SqlAlchemyUnitOfWork) -> None:
    user, family = new_user(), uuid.uuid4()
    async with uow:
        await uow.users.add(user)
        await uow.refresh_tokens.add("a" * 64, user.id, family, NOW, NOW + timedelta(days=1))
        await uow.refresh_tokens.add("b" * 64, user.id, family, NOW, NOW + timedelta(days=1))
        await uow.commit()
    async with uow:
        assert await uow.refresh_tokens.mark_used("a" * 64, NOW)
        assert not await uow.refresh_tokens.mark_used("a" * 64, NOW)
        await uow.refresh_tokens.revoke_family(family, NOW)
        await uow.commit()
    async with uow:
        record = await uow.refresh_tokens.get("b" * 64)
    assert record is not None and record.revoked_at == NOW


def message(n: int = 0) -> OutboxMessage:
    return OutboxMessage(recipient=f"r{n}@example.com", created_at=NOW + timedelta(seconds=n),
                         content=EmailContent("Hello", "text https://x/verify/t", "<p>html</p>"))


async def test_a_claimed_message_is_not_claimed_again_until_its_lease_lapses(uow: SqlAlchemyUnitOfWork) -> None:
    async with uow:
        await uow.outbox.add(message())
        await uow.commit()
    async with uow:
        [claimed] = await uow.outbox.claim(10, NOW, timedelta(minutes=2))
        await uow.commit()
    assert claimed.attempts == 1 and claimed.content.text_body.startswith("text")
    async with uow:
        assert await uow.outbox.claim(10, NOW + timedelta(minutes=1), timedelta(minutes=2)) == []
        [again] = await uow.outbox.claim(10, NOW + timedelta(minutes=3), timedelta(minutes=2))
        await uow.commit()
    assert again.message_id == claimed.message_id and again.attempts == 2


async def test_a_sent_message_loses_its_body_and_a_failed_one_waits(uow: SqlAlchemyUnitOfWork) -> None:
    first, second = message(0), message(1)
    async with uow:
        await uow.outbox.add(first)
        await uow.outbox.add(second)
        await uow.commit()
    async with uow:
        await uow.outbox.claim(10, NOW + timedelta(seconds=5), timedelta(minutes=2))
        await uow.outbox.mark_sent([first.id], NOW)
        await uow.outbox.mark_failed(second.id, "451 later", NOW + timedelta(hours=1))
        await uow.commit()
    async with uow:
        assert await uow.outbox.claim(10, NOW + timedelta(minutes=30), timedelta(minutes=2)) == []
        [retried] = await uow.outbox.claim(10, NOW + timedelta(hours=2), timedelta(minutes=2))
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
