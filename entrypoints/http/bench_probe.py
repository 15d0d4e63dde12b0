"""The framework's limit, for bench/load.py: the least an endpoint can do, one primary-key SELECT.

Mounted only with BENCH_ENDPOINTS=true, in the same process, server and pool as the real endpoints.
"""

from __future__ import annotations

import uuid

from dependency_injector.wiring import Provide, inject
from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.tables import users
from entrypoints.container import Container

router = APIRouter(include_in_schema=False)


@router.get("/bench/pk/{user_id}")
@inject
async def primary_key_select(user_id: uuid.UUID, engine: AsyncEngine = Depends(Provide[Container.engine])) -> dict:
    async with engine.connect() as connection:
        found = (await connection.execute(select(users.c.id).where(users.c.id == user_id))).first()
    return {"found": found is not None}
