"""Secrets the service makes for itself, kept in its database so every start and instance shares them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.tables import generated_secrets

_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


async def shared_secret(engine: AsyncEngine, name: str, make: Callable[[], str]) -> tuple[str, bool]:
    """The secret called `name`, made with `make()` if there is none yet; True when this call made it.

    Two instances starting at once agree: the second insert does nothing, and both read the first.
    """
    async with engine.begin() as connection:
        made = make()
        insert = _INSERT[connection.dialect.name](generated_secrets).values(
            name=name, value=made, created_at=datetime.now(UTC)).on_conflict_do_nothing()
        inserted = (await connection.execute(insert)).rowcount == 1
        value = (await connection.execute(
            select(generated_secrets.c.value).where(generated_secrets.c.name == name))).scalar_one()
    return value, inserted
