"""Emptying a test database between tests: truncated, not recreated."""

from __future__ import annotations

from sqlalchemy import text

from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.tables import metadata


async def empty_schema(url: str) -> None:
    """Every table gone: for a database the migrations will build from nothing."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


async def truncate(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            tables = ", ".join(table.name for table in metadata.sorted_tables)
            await connection.execute(text(f"TRUNCATE {tables} CASCADE"))
    finally:
        await engine.dispose()
