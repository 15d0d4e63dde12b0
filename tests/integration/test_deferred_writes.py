"""Deferred writes (StorageConnection.defer), on PostgreSQL and SQLite: sent just before the next statement or
the commit, in the order written; those in a row as one statement on PostgreSQL; dropped with a rollback."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from domain.codes import OneTimeCode, TokenPurpose
from domain.email import Email
from domain.events import AccountEvent, EventType
from domain.trail import SecurityEvent, SecurityEventType, SessionOrigin
from domain.user import User
from domain.views import UserView
from tests.fakes import LIMITS, FakeClock

NOW = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture
def uow(engine: AsyncEngine) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(engine=engine, limits=LIMITS, clock=FakeClock(NOW))


@pytest.fixture
def sent(engine: AsyncEngine) -> Iterator[list[str]]:
    statements: list[str] = []

    def caught(_connection: object, _cursor: object, statement: str, *_: object) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's, sent as a statement (engine.py)
            statements.append(statement.split()[0])

    event.listen(engine.sync_engine, "before_cursor_execute", caught)
    yield statements
    event.remove(engine.sync_engine, "before_cursor_execute", caught)


def trail_entry(user: User) -> SecurityEvent:
    return SecurityEvent.at(SessionOrigin("192.0.2.1", "Firefox"), SecurityEventType.VERIFIED, user.id, NOW)


async def added(uow: SqlAlchemyUnitOfWork) -> User:
    user = User(email=Email.parse("ada@example.com"), password_hash="hash", created_at=NOW)
    async with uow:
        await uow.users.add(user)
        await uow.commit()
    return user


async def test_writes_in_a_row_go_as_one_statement_before_the_commit(
    uow: SqlAlchemyUnitOfWork, sent: list[str], engine: AsyncEngine
) -> None:
    user = await added(uow)
    sent.clear()
    async with uow:
        await uow.codes.retire(user.id, NOW, TokenPurpose.VERIFY_EMAIL)
        await uow.events.add(AccountEvent.about(EventType.USER_VERIFIED, UserView.of(user), NOW))
        await uow.security_events.add(trail_entry(user))
        await uow.security_events.add(trail_entry(user))
        assert sent == []  # nothing sent yet
        await uow.commit()
    postgresql = engine.dialect.name == "postgresql"
    assert sent == (["WITH"] if postgresql else ["UPDATE", "INSERT", "INSERT", "INSERT"])
    async with uow:
        assert len(await uow.security_events.of_account(user.id, None, 10)) == 2
        assert len(await uow.events.claim(10)) == 1


async def test_the_next_statement_sees_them_and_a_rollback_drops_them(uow: SqlAlchemyUnitOfWork) -> None:
    user = await added(uow)
    async with uow:
        await uow.security_events.add(trail_entry(user))
        assert len(await uow.security_events.of_account(user.id, None, 10)) == 1
        await uow.security_events.add(trail_entry(user))
    async with uow:
        assert await uow.security_events.of_account(user.id, None, 10) == []


async def test_an_update_is_not_batched_with_another_write_to_its_table(
    uow: SqlAlchemyUnitOfWork, sent: list[str]
) -> None:
    # The parts of one WITH run on one snapshot: a second retirement there would not see the first's rows.
    user = await added(uow)
    async with uow:
        for purpose in TokenPurpose.VERIFY_EMAIL, TokenPurpose.RESET_PASSWORD:
            await uow.codes.replace(OneTimeCode(user.id, purpose, user.email, "digest", NOW, NOW))
        await uow.commit()
    sent.clear()
    async with uow:
        await uow.codes.retire(user.id, NOW, TokenPurpose.VERIFY_EMAIL)
        await uow.codes.retire(user.id, NOW)
        await uow.commit()
    assert sent == ["UPDATE", "UPDATE"]


async def test_a_failing_deferred_write_fails_the_commit_and_keeps_nothing(uow: SqlAlchemyUnitOfWork) -> None:
    user = await added(uow)
    entry = trail_entry(user)
    with pytest.raises(exc.IntegrityError):
        async with uow:
            await uow.events.add(AccountEvent.about(EventType.USER_VERIFIED, UserView.of(user), NOW))
            await uow.security_events.add(entry)
            await uow.security_events.add(entry)  # the same id twice
            await uow.commit()
    async with uow:
        assert await uow.security_events.of_account(user.id, None, 10) == []
        assert await uow.events.claim(10) == []
