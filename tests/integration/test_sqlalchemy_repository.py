"""The SQLAlchemy repositories and unit of work, on PostgreSQL and on SQLite: what only SQL has. What the
fakes must do as well is in the contract suites, tests/ports/."""

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from domain.email import Email
from domain.user import User
from tests.fakes import LIMITS, FakeClock

NOW = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture
def uow(engine: AsyncEngine) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(engine=engine, limits=LIMITS, clock=FakeClock(NOW))


async def test_a_naive_datetime_never_reaches_the_database(uow: SqlAlchemyUnitOfWork) -> None:
    naive = User(email=Email.parse("ada@example.com"), password_hash="h", created_at=datetime(2026, 1, 1))
    with pytest.raises(Exception, match="naive datetime"):
        async with uow:
            await uow.users.add(naive)
