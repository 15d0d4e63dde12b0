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


def _hit_rows(dialect_name: str, rows: int) -> Any:
    # Built once for each number of windows: the values are parameters, as building costs more than sending.
    if (dialect_name, rows) not in _HIT_EACH:
        _HIT_EACH[dialect_name, rows] = _HIT_ANY[dialect_name].values(
            [
                {
                    "key": bindparam(f"key{n}", type_=rate_limits.c.key.type),
                    "window_start": bindparam(f"window{n}", type_=rate_limits.c.window_start.type),
                    "count": 1,
                }
                for n in range(rows)
            ]
        )
    return _HIT_EACH[dialect_name, rows]


_HIT = {"postgresql": _hit(postgresql), "sqlite": _hit(sqlite)}
_HIT_ANY = {"postgresql": _hit_each(postgresql), "sqlite": _hit_each(sqlite)}
_HIT_EACH: dict[tuple[str, int], Any] = {}
_TAKE_BACK = (
    update(rate_limits)
    .where(rate_limits.c.key == bindparam("the_key"), rate_limits.c.window_start == bindparam("the_window"))
    .values(count=rate_limits.c.count - 1)
)


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
        parameters: dict[str, Any] = {}
        for n, (key, start) in enumerate(windows):
            parameters[f"key{n}"], parameters[f"window{n}"] = key, start
        found = await self._connection.execute(
            _hit_rows(self._connection.dialect.name, len(windows)), parameters
        )
        counts = {key: count for key, count in found}  # by key: RETURNING promises no order
        return [counts[key] for key, _ in windows]

    async def take_back(self, key: str, window_start: datetime) -> None:
        # An update, not the upsert: deferred, it may go in one statement with other writes, where an
        # upsert's ON CONFLICT could meet a row another part of that statement wrote. The window's row is
        # there: it counted the event in.
        await self._connection.defer(_TAKE_BACK, {"the_key": key, "the_window": window_start})

    async def prune(self, before: datetime, limit: int = 1000) -> int:
        return await delete_batch(
            self._connection,
            rate_limits,
            rate_limits.c.window_start < before,
            order_by=rate_limits.c.window_start,
            limit=limit,
        )
