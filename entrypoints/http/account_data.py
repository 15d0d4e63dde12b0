"""What the service holds about the caller: its audit trail, and everything at once as an export."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from application.account.account_trail import AccountTrail, TrailPage, TrailQuery
from application.account.export_account import ExportAccount
from application.shared.authenticate import Caller
from domain.trail import SecurityEvent
from entrypoints.container import Container
from entrypoints.http.answers import BAD_CURSOR, INVALID, SIGNED_IN, UNAVAILABLE, answers
from entrypoints.http.injection import ProvideInLoop
from entrypoints.http.schemas import UserOut
from entrypoints.http.security import current_caller
from entrypoints.http.sessions import SessionItemOut

router = APIRouter(prefix="/api/v1/auth/me", tags=["account data"])

Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=200, description="the next_cursor of the page before")]


class SecurityEventOut(BaseModel):
    id: uuid.UUID
    type: str
    occurred_at: datetime
    ip: str
    device: str
    actor_id: uuid.UUID | None  # the administrator who acted
    detail: str

    @classmethod
    def of(cls, event: SecurityEvent) -> SecurityEventOut:
        return cls(id=event.id, type=event.type.value, occurred_at=event.occurred_at, ip=event.ip,
                   device=event.device, actor_id=event.actor_id, detail=event.detail)


class TrailOut(BaseModel):
    items: list[SecurityEventOut]
    next_cursor: str | None

    @classmethod
    def of(cls, page: TrailPage) -> TrailOut:
        return cls(items=[SecurityEventOut.of(e) for e in page.items], next_cursor=page.next_cursor)


class ExportOut(BaseModel):
    profile: UserOut
    sessions: list[SessionItemOut]
    security_events: list[SecurityEventOut]


@router.get("/security-events", response_model=TrailOut, responses=answers(INVALID, BAD_CURSOR, SIGNED_IN, UNAVAILABLE))
@inject
async def my_security_events(limit: Limit = 50, cursor: Cursor = None, caller: Caller = Depends(current_caller),
                             trail: AccountTrail = Depends(ProvideInLoop[Container.account_trail])) -> TrailOut:
    """The account's audit trail, newest first: sign-ins, failures, changes, sessions ended, administrators' acts."""
    return TrailOut.of(await trail.execute(TrailQuery(caller.user.id, limit, cursor)))


@router.get("/export", response_model=ExportOut, responses=answers(SIGNED_IN, UNAVAILABLE))
@inject
async def export(caller: Caller = Depends(current_caller),
                 use_case: ExportAccount = Depends(ProvideInLoop[Container.export_account])) -> ExportOut:
    """Everything held about the account: the profile, the sessions and the audit trail; no hash, token or code."""
    held = await use_case.execute(caller)
    return ExportOut(profile=UserOut.of(held.profile), sessions=[SessionItemOut.of(s) for s in held.sessions],
                     security_events=[SecurityEventOut.of(e) for e in held.security_events])
