"""Each port's contract runs against the fake and the SQL adapter on PostgreSQL and SQLite: the use-case
tests run on the fakes, so a fake that answered otherwise than the database would let them pass on a lie."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from tests.fakes import LIMITS, FakeClock, FakeUnitOfWork

NOW = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture(params=["fake", "postgresql", "sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """The fake, or the URL of an emptied database."""
    return (
        "fake"
        if request.param == "fake"
        else request.getfixturevalue("pg_url" if request.param == "postgresql" else "sqlite_url")
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
async def uow(backend: str, clock: FakeClock) -> AsyncIterator[Any]:
    """A unit of work on the backend; the suites use it as the use cases do, one block per transaction."""
    if backend == "fake":
        yield FakeUnitOfWork(clock=clock)
        return
    engine = create_engine(backend)
    try:
        yield SqlAlchemyUnitOfWork(engine=engine, limits=LIMITS, clock=clock)
    finally:
        await engine.dispose()
