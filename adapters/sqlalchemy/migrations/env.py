from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.sqlalchemy.tables import metadata

config = context.config


def _run(connection: Connection) -> None:
    # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
    context.configure(
        connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite"
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str | None, engine: AsyncEngine | None = None) -> None:
    own = engine is None
    if engine is None:
        if not url:
            raise RuntimeError("No database to migrate: set DATABASE_URL (or sqlalchemy.url in alembic.ini).")
        engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
    finally:
        if own:
            await engine.dispose()


url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
given = config.attributes.get("connection")  # a caller's own connection (the schema tests pass one)
if context.is_offline_mode():
    context.configure(url=url, target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif isinstance(given, AsyncEngine):
    asyncio.run(_run_async(url, given))
elif given is not None:
    _run(given)
else:
    asyncio.run(_run_async(url))
