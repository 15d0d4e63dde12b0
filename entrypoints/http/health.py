"""Liveness and readiness for orchestrators and load balancers."""

from __future__ import annotations

import asyncio
import os

from dependency_injector.wiring import Provide, inject
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from application.outbox_admin import OutboxStatus
from application.ports import Clock
from entrypoints.container import Container

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live")
async def live() -> dict[str, str | int]:
    """Also names the process, so an operator can tell which instance answered."""
    return {"status": "ok", "pid": os.getpid()}


@router.get("/ready")
@inject
async def ready(status: OutboxStatus = Depends(Provide[Container.outbox_status]),
                clock: Clock = Depends(Provide[Container.clock])) -> JSONResponse:
    """Ready when the database answers; the body also tells the email backlog."""
    try:
        async with asyncio.timeout(2):
            stats = await status.execute(count_sent=False)
    except Exception as error:  # any failure to reach the database means not ready
        reason = f"database unavailable: {type(error).__name__}"
        return JSONResponse({"status": "unavailable", "database": reason}, status_code=503)
    oldest = stats.oldest_pending_created_at
    return JSONResponse({"status": "ok", "database": "ok", "outbox": {
        "pending": stats.pending, "dead": stats.dead,
        "oldest_pending_age_seconds": round((clock.now() - oldest).total_seconds(), 1) if oldest else None}})
