"""The caller's own account (/api/v1/auth/me): what it is, its profile, its deletion, its audit trail, and
everything held about it at once as an export."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field, model_validator

from application.account.account_trail import AccountTrail, TrailQuery
from application.account.delete_own_account import DeleteOwnAccount, OwnDeletion
from application.account.export_account import ExportAccount
from application.account.show_me import ShowMe
from application.account.update_profile import ProfileUpdate, UpdateProfile
from application.shared.authenticate import Caller
from domain.errors import NotAuthenticated
from domain.factors import FactorListing
from domain.views import UserView
from entrypoints.container import Container
from entrypoints.http.answers import (
    BAD_CURSOR,
    ENROLLING,
    FRESH,
    INVALID,
    INVALID_CODE,
    JSON_BODY,
    LAST_ADMIN,
    LIMITED,
    SIGNED_IN,
    UNAVAILABLE,
    WRONG_PASSWORD,
    answers,
)
from entrypoints.http.client_address import client_key, session_origin
from entrypoints.http.errors import N_
from entrypoints.http.injection import ProvideInLoop
from entrypoints.http.security import bearer, current_caller, current_user, fresh_caller
from entrypoints.http.shared import (
    AUTH,
    Cursor,
    Limit,
    LocaleField,
    NameField,
    PasswordField,
    SecurityEventOut,
    SessionItemOut,
    Strict,
    TrailOut,
    UsernameField,
    UserOut,
    example,
)

router = APIRouter(prefix=f"{AUTH}/me", tags=["account"])


class MeOut(UserOut):
    email_deliverable: bool | None = Field(
        description="false while email to the address bounces; null until the address is verified"
    )


class ProfileIn(Strict):
    """Only the fields sent change; null clears one."""

    model_config = example(first_name="Ada", last_name="King", locale="fr")

    username: UsernameField
    first_name: NameField
    last_name: NameField
    locale: LocaleField


class DeleteMeIn(Strict):
    """The password, or for an account without one the code of a sign-in email asked for just before."""

    model_config = example(password="correct horse battery")

    password: PasswordField | None = None
    code: Annotated[str | None, Field(default=None, max_length=12, examples=["123456"])]

    @model_validator(mode="after")
    def one_proof(self) -> DeleteMeIn:
        if (self.password is None) == (self.code is None):
            raise ValueError(N_("Give the password, or a sign-in code, and not both."))
        return self


class FactorOut(BaseModel):
    type: str = Field(description="totp or passkey")
    name: str
    created_at: datetime
    last_used_at: datetime | None

    @classmethod
    def of(cls, factor: FactorListing) -> FactorOut:
        return cls(
            type=factor.type.value,
            name=factor.name,
            created_at=factor.created_at,
            last_used_at=factor.last_used_at,
        )


class ExportOut(BaseModel):
    profile: UserOut
    sessions: list[SessionItemOut]
    security_events: list[SecurityEventOut]
    factors: list[FactorOut] = Field(description="the second factors: what and when, never a secret")


# Open to an account whose role needs a second factor it has not set up yet (ShowMe applies no such rule).
@router.get("", response_model=MeOut, responses=answers(ENROLLING, UNAVAILABLE))
@inject
async def me(
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    use_case: ShowMe = Depends(ProvideInLoop[Container.show_me]),
) -> dict[str, Any]:
    """The account, and `email_deliverable`: false while its address bounces (the suppression list), null
    until the address is verified (whoever signs up with an address learns nothing of it from here)."""
    if credentials is None:
        raise NotAuthenticated()
    shown = await use_case.execute(credentials.credentials)
    # Validated once, as the answer (MeOut), not also built as a model first: GET /me is the hottest read.
    return {
        **{name: getattr(shown.user, name) for name in UserOut.model_fields},
        "email_deliverable": shown.email_deliverable,
    }


@router.patch("", response_model=UserOut, responses=answers(JSON_BODY, SIGNED_IN, UNAVAILABLE))
@inject
async def update_me(
    body: ProfileIn,
    user: UserView = Depends(current_user),
    use_case: UpdateProfile = Depends(ProvideInLoop[Container.update_profile]),
) -> UserOut:
    """Only the fields sent change; the address and the password have flows of their own."""
    return UserOut.of(await use_case.execute(ProfileUpdate(user.id, body.model_dump(exclude_unset=True))))


@router.delete(
    "",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=answers(JSON_BODY, FRESH, WRONG_PASSWORD, INVALID_CODE, LAST_ADMIN, LIMITED, UNAVAILABLE),
)
@inject
async def delete_me(
    body: DeleteMeIn,
    request: Request,
    caller: Caller = Depends(fresh_caller),
    use_case: DeleteOwnAccount = Depends(ProvideInLoop[Container.delete_own_account]),
) -> Response:
    """Every session and token ends, pending emails are cancelled, the account's data is erased and a last
    email says so; the address can sign up again. 400 `invalid_password` / `invalid_code`; a sign-in older
    than REAUTH_MAX_AGE_SECONDS (or without the account's second factor) gets 401
    `reauthentication_required`."""
    await use_case.execute(
        OwnDeletion(caller.user.id, body.password, body.code, client_key(request), session_origin(request))
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/security-events",
    response_model=TrailOut,
    responses=answers(INVALID, BAD_CURSOR, SIGNED_IN, UNAVAILABLE),
)
@inject
async def my_security_events(
    limit: Limit = 50,
    cursor: Cursor = None,
    caller: Caller = Depends(current_caller),
    trail: AccountTrail = Depends(ProvideInLoop[Container.account_trail]),
) -> TrailOut:
    """The account's audit trail, newest first: sign-ins, failures, changes, sessions ended, administrators'
    acts."""
    return TrailOut.of(await trail.execute(TrailQuery(caller.user.id, limit, cursor)))


@router.get("/export", response_model=ExportOut, responses=answers(FRESH, UNAVAILABLE))
@inject
async def export(
    caller: Caller = Depends(fresh_caller),
    use_case: ExportAccount = Depends(ProvideInLoop[Container.export_account]),
) -> ExportOut:
    """Everything held about the account: the profile, the sessions, the audit trail and the second factors
    (type, name, dates); no hash, token, code or secret. Needs a fresh sign-in (401
    `reauthentication_required` otherwise)."""
    held = await use_case.execute(caller)
    return ExportOut(
        profile=UserOut.of(held.profile),
        sessions=[SessionItemOut.of(s) for s in held.sessions],
        security_events=[SecurityEventOut.of(e) for e in held.security_events],
        factors=[FactorOut.of(f) for f in held.factors],
    )
