"""Emptying a test database between tests: truncated, not recreated."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

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


async def own_database(url: str, suffix: str) -> str:
    """A database of its own beside the suite's, emptied: for a test that takes the schema down to nothing
    or fills it with more rows than the others should wade through."""
    parsed = make_url(url)
    name = f"{parsed.database}_{suffix}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            found = await connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not found:
                await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    own = parsed.set(database=name).render_as_string(hide_password=False)
    await empty_schema(own)
    return own
