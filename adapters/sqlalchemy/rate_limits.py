from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, bindparam, update
from sqlalchemy.dialects import postgresql, sqlite

from adapters.sqlalchemy.bounded_delete import delete_batch
from adapters.sqlalchemy.storage_errors import StorageConnection
from adapters.sqlalchemy.tables import rate_limits


def _hit(dialect: Any) -> Any:
    # One statement, atomic under concurrency: insert the window's row, or add to it. Built once per
    # dialect, with the values as parameters, as it runs on every limited request.
    amount: BindParameter[int] = bindparam("amount")
    return (
        dialect.insert(rate_limits)
        .values(key=bindparam("key"), window_start=bindparam("window_start"), count=amount)
        .on_conflict_do_update(
            index_elements=[rate_limits.c.key, rate_limits.c.window_start],
            set_={"count": rate_limits.c.count + amount},
        )
        .returning(rate_limits.c.count)
    )


def _hit_each(dialect: Any) -> Any:
    # The same, for several windows in one statement, each added what its row of VALUES carries.
    statement = dialect.insert(rate_limits)
    return statement.on_conflict_do_update(
        index_elements=[rate_limits.c.key, rate_limits.c.window_start],
        set_={"count": rate_limits.c.count + statement.excluded.count},
    ).returning(rate_limits.c.key, rate_limits.c.count)


_HIT = {"postgresql": _hit(postgresql), "sqlite": _hit(sqlite)}
_HIT_EACH = {"postgresql": _hit_each(postgresql), "sqlite": _hit_each(sqlite)}


class SqlAlchemyRateLimitCounters:
    def __init__(self, connection: StorageConnection) -> None:
        self._connection = connection

    async def hit(self, key: str, window_start: datetime, amount: int = 1) -> int:
        statement = _HIT[self._connection.dialect.name]
        found = await self._connection.execute(
            statement, {"key": key, "window_start": window_start, "amount": amount}
        )
        return found.scalar_one()

    async def hit_each(self, windows: Sequence[tuple[str, datetime]]) -> list[int]:
        rows = [{"key": key, "window_start": start, "count": 1} for key, start in windows]
        found = await self._connection.execute(_HIT_EACH[self._connection.dialect.name].values(rows))
        counts = {key: count for key, count in found}  # by key: RETURNING promises no order
        return [counts[key] for key, _ in windows]

    async def take_back(self, key: str, window_start: datetime) -> None:
        # An update, not the upsert: deferred, it may go in one statement with other writes, where an
        # upsert's ON CONFLICT could meet a row another part of that statement wrote. The window's row is
        # there: it counted the event in.
        await self._connection.defer(
            update(rate_limits)
            .where(rate_limits.c.key == key, rate_limits.c.window_start == window_start)
            .values(count=rate_limits.c.count - 1)
        )

    async def prune(self, before: datetime, limit: int = 1000) -> int:
        return await delete_batch(
            self._connection,
            rate_limits,
            rate_limits.c.window_start < before,
            order_by=rate_limits.c.window_start,
            limit=limit,
        )
