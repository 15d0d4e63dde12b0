"""/api/v1/auth: signing in by an emailed code or link, for people who forgot or never set a password.

Mounted only with LOGIN_BY_CODE_ENABLED (the default); without it these paths do not exist (404).
"""

from __future__ import annotations

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Request, status

from application.sessions.login_by_code import LoginByCode
from application.sessions.login_by_link import LoginByLink
from application.sessions.request_login_code import RequestLoginCode
from application.shared.code_entry import CodeEntry
from application.shared.record_email_request import LinkRequest
from entrypoints.container import Container
from entrypoints.http.answers import DISABLED, INVALID_CODE, INVALID_TOKEN, JSON_BODY, LIMITED, UNAVAILABLE, answers
from entrypoints.http.auth import no_store
from entrypoints.http.client_address import client_key, session_origin
from entrypoints.http.errors import N_, translator
from entrypoints.http.injection import ProvideInLoop
from entrypoints.http.schemas import CodeIn, EmailIn, MessageOut, SessionOut, TokenIn

router = APIRouter(prefix="/api/v1/auth", tags=["sign-in by email"])
# The same words whether or not the address has an account: the answer must not tell.
CODE_ON_ITS_WAY = N_("If an account with that address exists, a sign-in code is on its way. Check your inbox.")


@router.post("/login-code/request", status_code=status.HTTP_202_ACCEPTED, response_model=MessageOut,
             responses=answers(JSON_BODY, LIMITED, UNAVAILABLE))
@inject
async def request_login_code(body: EmailIn, request: Request,
                             use_case: RequestLoginCode = Depends(ProvideInLoop[Container.request_login_code])) -> MessageOut:
    """A sign-in code (and a link, with LOGIN_LINK_URL_TEMPLATE) by email, if the address has an account; the
    answer is the same either way."""
    await use_case.execute(LinkRequest(body.email, client_key(request), session_origin(request)))
    return MessageOut(message=translator(request)(CODE_ON_ITS_WAY))


@router.post("/login-code", response_model=SessionOut, dependencies=[Depends(no_store)],
             responses=answers(JSON_BODY, INVALID_CODE, DISABLED, LIMITED, UNAVAILABLE))
@inject
async def login_by_code(body: CodeIn, request: Request,
                        use_case: LoginByCode = Depends(ProvideInLoop[Container.login_by_code])) -> SessionOut:
    """The session /login gives; signing in by code proves the address."""
    return SessionOut.of(await use_case.execute(CodeEntry(body.email, body.code, client_key(request),
                                                                  session_origin(request))))


@router.post("/login-link", response_model=SessionOut, dependencies=[Depends(no_store)],
             responses=answers(JSON_BODY, INVALID_TOKEN, DISABLED, UNAVAILABLE))
@inject
async def login_by_link(body: TokenIn, request: Request,
                        use_case: LoginByLink = Depends(ProvideInLoop[Container.login_by_link])) -> SessionOut:
    """For a front end's page (LOGIN_LINK_URL_TEMPLATE) that passes on the token of the emailed link."""
    return SessionOut.of(await use_case.execute(body.token, session_origin(request)))
