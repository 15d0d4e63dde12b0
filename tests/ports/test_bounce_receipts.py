"""The BounceReceipts port's contract, held by the fake and by the SQL adapter on PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


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
