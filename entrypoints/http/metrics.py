"""Prometheus metrics at /metrics: requests by route, emails sent and failed, the outbox's backlog."""

from __future__ import annotations

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.exceptions import HTTPException

from application.mail.outbox_status import OutboxStatus
from application.ports.clock import Clock
from entrypoints.container import Container
from entrypoints.http.injection import ProvideInLoop
from entrypoints.http.metrics_registry import Metrics
from entrypoints.http.operator_access import OperatorAccess

router = APIRouter(include_in_schema=False)


@router.get("/metrics")
@inject
async def metrics(
    request: Request,
    registry: Metrics = Depends(ProvideInLoop[Container.metrics]),
    status: OutboxStatus = Depends(ProvideInLoop[Container.outbox_status]),
    clock: Clock = Depends(ProvideInLoop[Container.clock]),
    access: OperatorAccess = Depends(ProvideInLoop[Container.operator_access]),
) -> Response:
    # Email counts move a few seconds after a reset request for an address with an account: for anyone
    # but an operator this endpoint does not exist.
    if not access.allows(request):
        raise HTTPException(404, "Not Found")
    registry.record_backlog(await status.execute(count_sent=False), clock.now())
    return Response(registry.exposition(), media_type=CONTENT_TYPE_LATEST)
