"""Sessions (/api/v1/auth): logging in by password, by an emailed code or link, refreshing, logging out,
and the list of where the caller is signed in, to end one or all others."""

from __future__ import annotations

import uuid
from typing import Annotated

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import BaseModel, Field, JsonValue, model_validator

from application.sessions.complete_second_factor import CompleteSecondFactor, SecondFactorAnswer
from application.sessions.end_session import EndSession
from application.sessions.list_sessions import ListSessions
from application.sessions.log_out_everywhere_else import LogOutEverywhereElse
from application.sessions.login import Credentials, Login
from application.sessions.login_by_code import LoginByCode
from application.sessions.login_by_link import LoginByLink
from application.sessions.logout import Logout
from application.sessions.reauthenticate import Reauthenticate, Reauthentication
from application.sessions.refresh_session import RefreshSession
from application.sessions.request_login_code import RequestLoginCode
from application.shared.authenticate import Caller
from application.shared.code_entry import CodeEntry
from application.shared.record_email_request import LinkRequest
from entrypoints.container import Container
from entrypoints.http.answers import (
    BAD_CREDENTIALS,
    DISABLED,
    ENROLLING,
    INVALID,
    INVALID_CODE,
    INVALID_PASSKEY,
    INVALID_TOKEN,
    JSON_BODY,
    LIMITED,
    METHOD_UNAVAILABLE,
    NOT_A_METHOD,
    NOT_FOUND,
    SIGN_IN_ENDED,
    SIGNED_IN,
    UNAUTHENTICATED,
    UNAVAILABLE,
    WRONG_PASSWORD,
    WRONG_SECOND_FACTOR,
    answers,
)
from entrypoints.http.cache_control import no_store
from entrypoints.http.client_address import client_key, session_origin
from entrypoints.http.errors import N_, translator
from entrypoints.http.injection import ProvideInLoop
from entrypoints.http.security import current_caller, enrolling_caller
from entrypoints.http.shared import (
    AUTH,
    CodeIn,
    EmailField,
    EmailIn,
    MessageOut,
    PasswordField,
    SecondFactorOut,
    SessionItemOut,
    SessionOut,
    Strict,
    TokenIn,
    example,
    signed_in,
)

router = APIRouter(prefix=AUTH, tags=["sessions"])
# Signing in by an emailed code or link, for people who forgot or never set a password: mounted only with
# LOGIN_BY_CODE_ENABLED (the default); without it these paths do not exist (404).
by_email = APIRouter(prefix=AUTH, tags=["sessions"])
# The same words whether or not the address has an account: the answer must not tell.
CODE_ON_ITS_WAY = N_(
    "If an account with that address exists, a sign-in code is on its way. Check your inbox."
)


class LoginIn(Strict):
    model_config = example(email="ada@example.com", password="correct horse battery")

    email: EmailField
    password: PasswordField


class RefreshIn(Strict):
    model_config = example(refresh_token="f7Qd0m1c8ZQd9yFv3r2kXh0pW5sN6tB4uE1aJ8gL2oY")

    # No length bound: a refresh token of any length that is not ours gets 401, like any other.
    refresh_token: str


class SecondFactorIn(Strict):
    """The mfa_token a sign-in answered, and exactly one second factor."""

    model_config = example(mfa_token="Zr1yq0dQ8vB3nT6hW2kX9pL4sM7cF5gJ0aE1uR8iY3o", totp_code="123456")

    mfa_token: Annotated[str, Field(max_length=200)]
    totp_code: Annotated[str | None, Field(default=None, max_length=12, examples=["123456"])]
    recovery_code: Annotated[str | None, Field(default=None, max_length=40, examples=["7KQM-XR4T-9HZD-LCPW"])]
    passkey: dict[str, JsonValue] | None = Field(
        default=None,
        description="an AuthenticationResponseJSON for a challenge of passkeys/authentication/options",
    )

    @model_validator(mode="after")
    def _one_factor(self) -> SecondFactorIn:
        given = [v for v in (self.totp_code, self.recovery_code, self.passkey) if v is not None]
        if len(given) != 1:
            raise ValueError(N_("give exactly one of totp_code, recovery_code and passkey"))
        return self


class ReauthenticateIn(Strict):
    """Exactly one of the three: the password, a code of the authenticator app, or a passkey's assertion
    (its challenge from POST /api/v1/auth/passkeys/authentication/options)."""

    model_config = example(password="correct horse battery")

    password: PasswordField | None = None
    totp_code: Annotated[str | None, Field(default=None, max_length=12, examples=["123456"])]
    passkey: dict[str, JsonValue] | None = Field(
        default=None, description="The AuthenticationResponseJSON of navigator.credentials.get()"
    )

    @model_validator(mode="after")
    def one_proof(self) -> ReauthenticateIn:
        if sum(given is not None for given in (self.password, self.totp_code, self.passkey)) != 1:
            raise ValueError(N_("Give exactly one of password, totp_code and passkey."))
        return self


class AccessTokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds the access token is good for")


class SessionListOut(BaseModel):
    items: list[SessionItemOut]


@router.post(
    "/login",
    response_model=SessionOut | SecondFactorOut,
    dependencies=[Depends(no_store)],
    responses=answers(JSON_BODY, BAD_CREDENTIALS, DISABLED, LIMITED, UNAVAILABLE),
)
@inject
async def login(
    body: LoginIn, request: Request, use_case: Login = Depends(ProvideInLoop[Container.login])
) -> SessionOut | SecondFactorOut:
    """An access token (ACCESS_TOKEN_TTL_SECONDS) and a refresh token for a new session. A wrong address and a
    wrong password get the same 401; failures per account and per client are limited (429). For an account
    with a second factor the answer is `{"mfa_required": true, "mfa_token", "methods"}` and no tokens:
    complete the sign-in with POST /api/v1/auth/login/second-factor."""
    return signed_in(
        await use_case.execute(
            Credentials(body.email, body.password, client_key(request), session_origin(request))
        )
    )


@router.post(
    "/login/second-factor",
    response_model=SessionOut,
    dependencies=[Depends(no_store)],
    responses=answers(
        JSON_BODY,
        WRONG_SECOND_FACTOR,
        INVALID_PASSKEY,
        SIGN_IN_ENDED,
        NOT_A_METHOD,
        DISABLED,
        LIMITED,
        UNAVAILABLE,
    ),
)
@inject
async def login_second_factor(
    body: SecondFactorIn,
    request: Request,
    use_case: CompleteSecondFactor = Depends(ProvideInLoop[Container.complete_second_factor]),
) -> SessionOut:
    """Completes a sign-in that answered `mfa_required`: its `mfa_token` with a code of the authenticator
    app (`totp_code`), a passkey (`passkey`: an AuthenticationResponseJSON for a challenge of
    /passkeys/authentication/options) or a recovery code (`recovery_code`), each accepted once and only
    among the `methods` the sign-in answered. Answers what /login answers
    for an account without a second factor. A wrong code is 400 invalid_code and counts in the account's
    failure limit (429); the fifth ends the mfa_token (400 invalid_token: sign in again)."""
    tokens = await use_case.execute(
        SecondFactorAnswer(
            body.mfa_token,
            totp_code=body.totp_code,
            recovery_code=body.recovery_code,
            passkey=body.passkey,
            client=client_key(request),
            origin=session_origin(request),
        )
    )
    return SessionOut.of(tokens)


@router.post(
    "/refresh",
    response_model=SessionOut,
    dependencies=[Depends(no_store)],
    responses=answers(JSON_BODY, UNAUTHENTICATED, DISABLED, UNAVAILABLE),
)
@inject
async def refresh(
    body: RefreshIn,
    request: Request,
    use_case: RefreshSession = Depends(ProvideInLoop[Container.refresh_session]),
) -> SessionOut:
    """A new pair for the session; the refresh token sent is spent. Sent again within
    REFRESH_REUSE_GRACE_SECONDS (two tabs) it gets the same new refresh token; later, it ends the whole
    session."""
    return SessionOut.of(await use_case.execute(body.refresh_token, session_origin(request)))


@router.post("/logout", response_model=MessageOut, responses=answers(JSON_BODY, UNAVAILABLE))
@inject
async def logout(
    body: RefreshIn, request: Request, use_case: Logout = Depends(ProvideInLoop[Container.logout])
) -> MessageOut:
    """Ends the refresh token's session; an unknown or spent token is answered the same."""
    await use_case.execute(body.refresh_token)
    _ = translator(request)
    return MessageOut(message=_("Logged out."))


@router.post(
    "/reauthenticate",
    response_model=AccessTokenOut,
    dependencies=[Depends(no_store)],
    responses=answers(
        JSON_BODY,
        ENROLLING,
        WRONG_PASSWORD,
        WRONG_SECOND_FACTOR,
        INVALID_PASSKEY,
        METHOD_UNAVAILABLE,
        LIMITED,
        UNAVAILABLE,
    ),
)
@inject
async def reauthenticate(
    body: ReauthenticateIn,
    request: Request,
    caller: Caller = Depends(enrolling_caller),  # how a token gets the mfa its role needs
    use_case: Reauthenticate = Depends(ProvideInLoop[Container.reauthenticate]),
) -> AccessTokenOut:
    """Confirms it is you, for what needs a fresh sign-in (401 `reauthentication_required`): a new access
    token for this same session, with a fresh `auth_time`. `mfa` in `amr` comes afresh, with a code of the
    app or a passkey (a password alone drops it). The refresh token stays the same; the session's next
    refreshes keep the new proof. A wrong password or code counts as a wrong login does."""
    done = await use_case.execute(
        Reauthentication(
            caller,
            password=body.password,
            totp_code=body.totp_code,
            passkey=body.passkey,
            client=client_key(request),
            origin=session_origin(request),
        )
    )
    return AccessTokenOut(access_token=done.access_token, expires_in=int(done.expires_in.total_seconds()))


@by_email.post(
    "/login-code/request",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=MessageOut,
    responses=answers(JSON_BODY, LIMITED, UNAVAILABLE),
)
@inject
async def request_login_code(
    body: EmailIn,
    request: Request,
    use_case: RequestLoginCode = Depends(ProvideInLoop[Container.request_login_code]),
) -> MessageOut:
    """A sign-in code (and a link, with LOGIN_LINK_URL_TEMPLATE) by email, if the address has an account; the
    answer is the same either way."""
    await use_case.execute(LinkRequest(body.email, client_key(request), session_origin(request)))
    return MessageOut(message=translator(request)(CODE_ON_ITS_WAY))


@by_email.post(
    "/login-code",
    response_model=SessionOut | SecondFactorOut,
    dependencies=[Depends(no_store)],
    responses=answers(JSON_BODY, INVALID_CODE, DISABLED, LIMITED, UNAVAILABLE),
)
@inject
async def login_by_code(
    body: CodeIn, request: Request, use_case: LoginByCode = Depends(ProvideInLoop[Container.login_by_code])
) -> SessionOut | SecondFactorOut:
    """The session /login gives; signing in by code proves the address. For an account with a second factor,
    `mfa_required` as /login answers."""
    return signed_in(
        await use_case.execute(CodeEntry(body.email, body.code, client_key(request), session_origin(request)))
    )


@by_email.post(
    "/login-link",
    response_model=SessionOut | SecondFactorOut,
    dependencies=[Depends(no_store)],
    responses=answers(JSON_BODY, INVALID_TOKEN, DISABLED, UNAVAILABLE),
)
@inject
async def login_by_link(
    body: TokenIn, request: Request, use_case: LoginByLink = Depends(ProvideInLoop[Container.login_by_link])
) -> SessionOut | SecondFactorOut:
    """For a front end's page (LOGIN_LINK_URL_TEMPLATE) that passes on the token of the emailed link. For an
    account with a second factor, `mfa_required` as /login answers."""
    return signed_in(await use_case.execute(body.token, session_origin(request)))


@router.get("/sessions", response_model=SessionListOut, responses=answers(SIGNED_IN, UNAVAILABLE))
@inject
async def list_sessions(
    caller: Caller = Depends(current_caller),
    use_case: ListSessions = Depends(ProvideInLoop[Container.list_sessions]),
) -> SessionListOut:
    """Each login that can still be refreshed; `current` is the one this access token belongs to."""
    return SessionListOut(items=[SessionItemOut.of(s) for s in await use_case.execute(caller)])


@router.delete(
    "/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=answers(INVALID, SIGNED_IN, NOT_FOUND, UNAVAILABLE),
)
@inject
async def end_session(
    session_id: uuid.UUID,
    request: Request,
    caller: Caller = Depends(current_caller),
    use_case: EndSession = Depends(ProvideInLoop[Container.end_session]),
) -> Response:
    """Its refresh token stops working at once; its access tokens run out within ACCESS_TOKEN_TTL_SECONDS."""
    await use_case.execute(caller.user.id, session_id, session_origin(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/logout-all", response_model=MessageOut, responses=answers(ENROLLING, UNAVAILABLE))
@inject
async def log_out_everywhere_else(
    request: Request,
    caller: Caller = Depends(enrolling_caller),  # ending sessions never needs the factor a role asks for
    use_case: LogOutEverywhereElse = Depends(ProvideInLoop[Container.log_out_everywhere_else]),
) -> MessageOut:
    """Every session but this one ends: their refresh tokens at once, their access tokens within their TTL."""
    await use_case.execute(caller, session_origin(request))
    return MessageOut(message=translator(request)(N_("Every other session has ended.")))
