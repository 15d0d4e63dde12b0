"""Liveness and readiness for orchestrators and load balancers; the details are for operators."""

from __future__ import annotations

import asyncio
import os

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from application.mail.outbox_status import OutboxStatus
from application.ports.clock import Clock
from entrypoints.container import Container
from entrypoints.http.injection import ProvideInLoop
from entrypoints.http.operator_access import OperatorAccess
from entrypoints.version import __version__

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live", responses={200: {"content": {"application/json": {"example": {"status": "ok"}}}}})
@inject
async def live(
    request: Request, access: OperatorAccess = Depends(ProvideInLoop[Container.operator_access])
) -> dict[str, str | int]:
    """An operator also sees the process id, to tell which instance answered, and the version it runs."""
    # The version only for operators, like the pid: it follows a rolling upgrade; a stranger gets none to aim
    # at.
    if access.allows(request):
        return {"status": "ok", "pid": os.getpid(), "version": __version__}
    return {"status": "ok"}


@router.get(
    "/ready",
    responses={
        200: {
            "description": "The database answers",
            "content": {"application/json": {"example": {"status": "ok", "database": "ok"}}},
        },
        503: {
            "description": "The database does not answer: take the instance out of rotation",
            "content": {
                "application/json": {"example": {"status": "unavailable", "database": "unavailable"}}
            },
        },
    },
)
@inject
async def ready(
    request: Request,
    status: OutboxStatus = Depends(ProvideInLoop[Container.outbox_status]),
    clock: Clock = Depends(ProvideInLoop[Container.clock]),
    access: OperatorAccess = Depends(ProvideInLoop[Container.operator_access]),
) -> JSONResponse:
    """Ready when the database answers; an operator also sees the email backlog."""
    operator = access.allows(request)
    try:
        async with asyncio.timeout(2):
            report = await status.execute(count_sent=False)
    except Exception as error:  # any failure to reach the database means not ready
        body: dict[str, object] = {"status": "unavailable", "database": "unavailable"}
        if operator:
            body["reason"] = type(error).__name__
        return JSONResponse(body, status_code=503)
    body = {"status": "ok", "database": "ok"}
    if operator:
        # The backlog moves when an email is queued: shown to anyone, it would tell whether a reset
        # request named an address with an account.
        for name, stats in (("outbox", report.emails), ("webhooks", report.webhooks)):
            oldest = stats.oldest_pending_created_at
            body[name] = {
                "pending": stats.pending,
                "dead": stats.dead,
                "oldest_pending_age_seconds": round((clock.now() - oldest).total_seconds(), 1)
                if oldest
                else None,
            }
    return JSONResponse(body)
