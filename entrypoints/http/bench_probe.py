"""The framework's limits, for bench/load.py: the least an endpoint can do, one primary-key SELECT, and the
least a writing endpoint can do, one upsert committed.

Mounted only with BENCH_ENDPOINTS=true, in the same process, server and pool as the real endpoints.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from dependency_injector.wiring import Provide, inject
from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.tables import rate_limits, users
from entrypoints.container import Container

router = APIRouter(include_in_schema=False)


@router.get("/bench/pk/{user_id}")
@inject
async def primary_key_select(user_id: uuid.UUID, engine: AsyncEngine = Depends(Provide[Container.engine])) -> dict:
    async with engine.connect() as connection:
        found = (await connection.execute(select(users.c.id).where(users.c.id == user_id))).first()
    return {"found": found is not None}


@router.post("/bench/write/{key}")
@inject
async def one_upsert_committed(key: str, engine: AsyncEngine = Depends(Provide[Container.engine])) -> dict:
    statement = insert(rate_limits).values(key=f"bench:{key}", window_start=datetime.now(UTC), count=1)
    async with engine.begin() as connection:
        await connection.execute(statement.on_conflict_do_update(
            index_elements=[rate_limits.c.key, rate_limits.c.window_start], set_={"count": rate_limits.c.count + 1}))
    return {"written": True}
