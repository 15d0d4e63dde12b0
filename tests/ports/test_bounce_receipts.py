"""The BounceReceipts port's contract, held by the fake and by the SQL adapter on PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from tests.fakes import LIMITS, FakeClock, FakeUnitOfWork

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(params=["fake", "postgresql", "sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """The fake, or the URL of an emptied database."""
    return (
        "fake"
        if request.param == "fake"
        else request.getfixturevalue("pg_url" if request.param == "postgresql" else "sqlite_url")
    )


@pytest.fixture
async def uow(backend: str) -> AsyncIterator[Any]:
    if backend == "fake":
        yield FakeUnitOfWork(clock=FakeClock(NOW))
        return
    engine = create_engine(backend)
    try:
        yield SqlAlchemyUnitOfWork(engine=engine, limits=LIMITS, clock=FakeClock(NOW))
    finally:
        await engine.dispose()


async def test_an_id_counts_once_until_pruned_and_an_uncommitted_one_not_at_all(uow: Any) -> None:
    async with uow:
        assert await uow.bounce_receipts.first_time("msg_1", NOW + timedelta(minutes=6))
        assert not await uow.bounce_receipts.first_time("msg_1", NOW + timedelta(minutes=6))
        assert await uow.bounce_receipts.first_time("msg_2", NOW + timedelta(minutes=9))
        await uow.commit()
    async with uow:
        assert await uow.bounce_receipts.first_time("msg_3", NOW)  # rolled back: never recorded
    async with uow:
        assert not await uow.bounce_receipts.first_time("msg_1", NOW)
        assert await uow.bounce_receipts.prune(NOW + timedelta(minutes=7)) == 1  # msg_1 only
        await uow.commit()
    async with uow:
        assert await uow.bounce_receipts.first_time("msg_1", NOW + timedelta(minutes=6))
        assert not await uow.bounce_receipts.first_time("msg_2", NOW)
        assert await uow.bounce_receipts.first_time("msg_3", NOW)
