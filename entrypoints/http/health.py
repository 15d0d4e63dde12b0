"""Liveness and readiness for orchestrators and load balancers."""

from __future__ import annotations

import asyncio

from dependency_injector.wiring import Provide, inject
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from entrypoints.container import Container

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready")
@inject
async def ready(engine: AsyncEngine = Depends(Provide[Container.engine])) -> JSONResponse:
    try:
        async with asyncio.timeout(2):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure to reach the database means not ready
        reason = f"database unavailable: {type(error).__name__}"
        return JSONResponse({"status": "unavailable", "database": reason}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
