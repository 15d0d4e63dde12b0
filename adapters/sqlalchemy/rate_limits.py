from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.tables import rate_limits


class SqlAlchemyRateLimitCounters:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def hit(self, key: str, window_start: datetime, amount: int = 1) -> int:
        # One statement, atomic under concurrency: insert the window's row, or add one to it.
        dialect = postgresql if self._connection.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(rate_limits).values(key=key, window_start=window_start, count=amount)
        statement = statement.on_conflict_do_update(
            index_elements=[rate_limits.c.key, rate_limits.c.window_start],
            set_={"count": rate_limits.c.count + amount},
        ).returning(rate_limits.c.count)
        return (await self._connection.execute(statement)).scalar_one()

    async def count(self, key: str, window_start: datetime) -> int:
        found = await self._connection.execute(
            select(rate_limits.c.count).where(rate_limits.c.key == key, rate_limits.c.window_start == window_start))
        return found.scalar_one_or_none() or 0

    async def prune(self, before: datetime) -> int:
        result = await self._connection.execute(delete(rate_limits).where(rate_limits.c.window_start < before))
        return result.rowcount
