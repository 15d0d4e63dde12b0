"""Secrets the service makes for itself, kept in its database so every start and instance shares them."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.storage_errors import connect
from adapters.sqlalchemy.tables import generated_secrets

_INSERT: dict[str, Callable[[Table], postgresql.Insert | sqlite.Insert]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}


def kept_secret(database_url: str, name: str) -> tuple[str, str]:
    """The secret called `name` in the database at `database_url`, made now if there is none; and where it
    is kept, in words. Blocking: it runs its own event loop, in a thread of its own."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return secrets.token_urlsafe(48), "in this process only (the database is in memory)"
    with ThreadPoolExecutor(1) as thread:
        value, made = thread.submit(asyncio.run, _kept(database_url, name)).result()
    return value, f"{'made now and ' if made else ''}kept in the database ({url.render_as_string()})"


async def _kept(database_url: str, name: str) -> tuple[str, bool]:
    engine = create_engine(database_url, pool_size=1)
    try:
        return await shared_secret(engine, name, lambda: secrets.token_urlsafe(48))
    finally:
        await engine.dispose()


async def shared_secret(engine: AsyncEngine, name: str, make) -> tuple[str, bool]:  # type: ignore[no-untyped-def]
    """The secret called `name`, made with `make()` if there is none yet; True when this call made it.

    Two instances starting at once agree: the second insert does nothing, and both read the first.
    """
    connection = await connect(engine)
    try:
        insert = (
            _INSERT[connection.dialect.name](generated_secrets)
            .values(name=name, value=make(), created_at=datetime.now(UTC))
            .on_conflict_do_nothing()
        )
        inserted = (await connection.execute(insert)).rowcount == 1
        value = (
            await connection.execute(
                select(generated_secrets.c.value).where(generated_secrets.c.name == name)
            )
        ).scalar_one()
        await connection.commit()
    finally:
        await connection.close()
    return value, inserted
