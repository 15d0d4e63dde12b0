"""/api/v1/auth/sessions: where the caller is signed in, and signing one or all others out."""

from __future__ import annotations

import uuid
from datetime import datetime

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import BaseModel

from application.sessions.end_session import EndSession
from application.sessions.list_sessions import ListSessions
from application.sessions.log_out_everywhere_else import LogOutEverywhereElse
from application.shared.authenticate import Caller
from domain.views import SessionView
from entrypoints.container import Container
from entrypoints.http.answers import INVALID, NOT_FOUND, SIGNED_IN, UNAVAILABLE, answers
from entrypoints.http.client_address import session_origin
from entrypoints.http.errors import N_, translator
from entrypoints.http.injection import ProvideInLoop
from entrypoints.http.schemas import MessageOut
from entrypoints.http.security import current_caller

router = APIRouter(prefix="/api/v1/auth", tags=["sessions"])


class SessionItemOut(BaseModel):
    id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    ip: str
    device: str
    current: bool

    @classmethod
    def of(cls, session: SessionView) -> SessionItemOut:
        return cls.model_validate(session, from_attributes=True)


class SessionListOut(BaseModel):
    items: list[SessionItemOut]


@router.get("/sessions", response_model=SessionListOut, responses=answers(SIGNED_IN, UNAVAILABLE))
@inject
async def list_sessions(caller: Caller = Depends(current_caller),
                        use_case: ListSessions = Depends(ProvideInLoop[Container.list_sessions])) -> SessionListOut:
    """Each login that can still be refreshed; `current` is the one this access token belongs to."""
    return SessionListOut(items=[SessionItemOut.of(s) for s in await use_case.execute(caller)])


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=answers(INVALID, SIGNED_IN, NOT_FOUND, UNAVAILABLE))
@inject
async def end_session(session_id: uuid.UUID, request: Request, caller: Caller = Depends(current_caller),
                      use_case: EndSession = Depends(ProvideInLoop[Container.end_session])) -> Response:
    """Its refresh token stops working at once; its access tokens run out within ACCESS_TOKEN_TTL_SECONDS."""
    await use_case.execute(caller.user.id, session_id, session_origin(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/logout-all", response_model=MessageOut, responses=answers(SIGNED_IN, UNAVAILABLE))
@inject
async def log_out_everywhere_else(request: Request, caller: Caller = Depends(current_caller),
                                  use_case: LogOutEverywhereElse = Depends(ProvideInLoop[Container.log_out_everywhere_else])
                                  ) -> MessageOut:
    """Every session but this one ends: their refresh tokens at once, their access tokens within their TTL."""
    await use_case.execute(caller, session_origin(request))
    return MessageOut(message=translator(request)(N_("Every other session has ended.")))
