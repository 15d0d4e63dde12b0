"""The SQLAlchemy repositories and unit of work, on PostgreSQL and on SQLite: what only SQL has. What the
fakes must do as well is in the contract suites, tests/ports/."""

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from domain.email import Email
from domain.user import User
from tests.fakes import LIMITS, FakeClock

NOW = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def new_user(address: str = "ada@example.com") -> User:
    return User(email=Email.parse(address), password_hash="hash", created_at=NOW, first_name="Ada")


@pytest.fixture
def uow(engine: AsyncEngine) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(engine=engine, limits=LIMITS, clock=FakeClock(NOW))


async def test_a_naive_datetime_never_reaches_the_database(uow: SqlAlchemyUnitOfWork) -> None:
    naive = User(email=Email.parse("ada@example.com"), password_hash="h", created_at=datetime(2026, 1, 1))
    with pytest.raises(Exception, match="naive datetime"):
        async with uow:
            await uow.users.add(naive)


async def test_mark_verified_changes_an_unverified_account_under_its_address_once(
    uow: SqlAlchemyUnitOfWork,
) -> None:
    user = new_user()
    async with uow:
        await uow.users.add(user)
        await uow.commit()
    async with uow:
        assert await uow.users.mark_verified(user.id, Email.parse("other@example.com")) is None
        assert await uow.users.mark_verified(uuid.uuid4(), user.email) is None
        verified = await uow.users.mark_verified(user.id, user.email)
        await uow.commit()
    assert verified is not None and verified.is_verified and verified.first_name == "Ada"
    assert verified.created_at == NOW and verified.created_at.tzinfo is not None
    async with uow:
        assert (await uow.users.get(user.id)).is_verified  # type: ignore[union-attr]
        assert await uow.users.mark_verified(user.id, user.email) is None  # a second time changes nothing
    async with uow:
        assert await uow.users.mark_verified(new_user("nobody@example.com").id, user.email) is None
