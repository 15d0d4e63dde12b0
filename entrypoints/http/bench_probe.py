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
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.rate_limits import SqlAlchemyRateLimitCounters
from adapters.sqlalchemy.tables import users
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
    async with engine.begin() as connection:  # the service's own counter upsert, alone in its transaction
        await SqlAlchemyRateLimitCounters(connection).hit(f"bench:{key}", datetime.now(UTC))
    return {"written": True}
