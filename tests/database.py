"""Emptying a test database between tests: truncated, not recreated."""

from __future__ import annotations

from sqlalchemy import text

from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.tables import metadata


async def truncate(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            tables = ", ".join(table.name for table in metadata.sorted_tables)
            await connection.execute(text(f"TRUNCATE {tables} CASCADE"))
    finally:
        await engine.dispose()
