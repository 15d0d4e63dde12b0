"""Passwords (/api/v1/auth): a forgotten one reset by the emailed link or code, and a known one changed,
with the pages a person with only a browser resets it from."""

from __future__ import annotations

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from application.password.change_password import ChangePassword, PasswordChange
from application.password.check_reset_link import CheckResetLink
from application.password.confirm_reset import ConfirmReset, ResetConfirmation
from application.password.request_reset import RequestReset
from application.password.reset_password_by_code import CodeReset, ResetPasswordByCode
from application.shared.authenticate import Caller
from application.shared.record_email_request import LinkRequest
from domain.errors import (
    InvalidCode,
    InvalidEmail,
    InvalidToken,
    PasswordsMismatch,
    RateLimited,
    TokenExpired,
    WeakPassword,
)
from domain.views import UserView
from entrypoints.container import Container
from entrypoints.http.answers import (
    EXPIRED,
    INVALID_CODE,
    INVALID_TOKEN,
    JSON_BODY,
    LIMITED,
    MISMATCH,
    NOT_AN_ADDRESS,
    UNAVAILABLE,
    VERIFIED,
    WEAK,
    WRONG_PASSWORD,
    answers,
)
from entrypoints.http.cache_control import no_store
from entrypoints.http.client_address import client_key, session_origin
from entrypoints.http.errors import N_, localized, translator
from entrypoints.http.injection import ProvideInLoop
from entrypoints.http.pages import (
    NEW_RESET_FORM,
    RESET_CODE_FORM,
    Pages,
    ask_for_link,
    fields_or_none,
    form_expired,
    link_problem,
)
from entrypoints.http.security import current_caller, require_verified
from entrypoints.http.shared import (
    AUTH,
    CodeIn,
    EmailIn,
    MessageOut,
    PasswordField,
    SecondFactorOut,
    SessionOut,
    Strict,
    Token,
    example,
    signed_in,
)

router = APIRouter(prefix=AUTH, tags=["password"])
browser = APIRouter(prefix=AUTH, include_in_schema=False)  # the pages, outside the OpenAPI document
RESET_FORM = f"{AUTH}/password-reset-form"
# The same words whether or not the address has an account: the answer must not tell.
RESET_ON_ITS_WAY = N_("If an account with that address exists, a reset link is on its way. Check your inbox.")
RESET_DONE = N_("Your password has been reset. Log in with the new one.")
# A wrong code counts against the client's share of guesses (429 past it).
CODE_ENTRY = (JSON_BODY, INVALID_CODE, LIMITED, UNAVAILABLE)


class ResetConfirmIn(Strict):
    model_config = example(new_password="a brand new secret", confirm_new_password="a brand new secret")

    new_password: PasswordField
    confirm_new_password: PasswordField


class ResetCodeIn(CodeIn):
    model_config = example(
        email="ada@example.com",
        code="123456",
        new_password="a brand new secret",
        confirm_new_password="a brand new secret",
    )

    new_password: PasswordField
    confirm_new_password: PasswordField


class ChangePasswordIn(Strict):
    model_config = example(current_password="correct horse battery", new_password="a brand new secret")

    current_password: PasswordField
    new_password: PasswordField


# Forgotten: asked for by address (the same answer for any), set with the link's token or the code.


@router.post(
    "/password-reset-request",
    response_model=MessageOut,
    responses=answers(JSON_BODY, NOT_AN_ADDRESS, LIMITED, UNAVAILABLE),
)
@inject
async def password_reset_request(
    body: EmailIn,
    request: Request,
    use_case: RequestReset = Depends(ProvideInLoop[Container.request_reset]),
) -> MessageOut:
    """A reset link and code by email, if the address has an account; the answer is the same either way."""
    await use_case.execute(LinkRequest(body.email, client_key(request), session_origin(request)))
    return MessageOut(message=translator(request)(RESET_ON_ITS_WAY))


@router.post(
    "/password-reset-confirm/{token}",
    response_model=MessageOut,
    responses=answers(JSON_BODY, INVALID_TOKEN, EXPIRED, MISMATCH, WEAK, UNAVAILABLE),
)
@inject
async def password_reset_confirm(
    token: Token,
    body: ResetConfirmIn,
    request: Request,
    use_case: ConfirmReset = Depends(ProvideInLoop[Container.confirm_reset]),
) -> MessageOut:
    """Sets the new password with the emailed link's token, once; every session of the account ends."""
    await use_case.execute(
        ResetConfirmation(token, body.new_password, body.confirm_new_password, session_origin(request))
    )
    return MessageOut(message=translator(request)(RESET_DONE))


@router.post(
    "/password-reset-confirm-code", response_model=MessageOut, responses=answers(CODE_ENTRY, MISMATCH, WEAK)
)
@inject
async def reset_by_code(
    body: ResetCodeIn,
    request: Request,
    use_case: ResetPasswordByCode = Depends(ProvideInLoop[Container.reset_password_by_code]),
) -> MessageOut:
    """As the reset link: once, every session ends, the policy applies."""
    await use_case.execute(
        CodeReset(
            body.email,
            body.code,
            body.new_password,
            body.confirm_new_password,
            client_key(request),
            session_origin(request),
        )
    )
    return MessageOut(message=translator(request)(RESET_DONE))


@browser.get("/forgot-password", response_class=HTMLResponse)
@inject
async def forgot_password_page(
    request: Request, pages: Pages = Depends(ProvideInLoop[Container.pages])
) -> HTMLResponse:
    return pages.render(request, "forgot_password", action=NEW_RESET_FORM)


@browser.post(NEW_RESET_FORM.removeprefix(AUTH), response_class=HTMLResponse)
@inject
async def new_reset_link(
    request: Request,
    use_case: RequestReset = Depends(ProvideInLoop[Container.request_reset]),
    pages: Pages = Depends(ProvideInLoop[Container.pages]),
) -> HTMLResponse:
    return await ask_for_link(request, use_case, pages, for_reset=True)


# Reset: the link's page is a form; a code works with a form of its own.


@browser.get("/password-reset-confirm/{token}", response_class=HTMLResponse)
@browser.head("/password-reset-confirm/{token}", response_class=HTMLResponse)
@inject
async def reset_page(
    request: Request,
    token: Token,
    check: CheckResetLink = Depends(ProvideInLoop[Container.check_reset_link]),
    pages: Pages = Depends(ProvideInLoop[Container.pages]),
) -> HTMLResponse:
    """The link in the reset email: a form, or why the link no longer works."""
    return await reset_form(pages, request, check, token)


async def reset_form(
    pages: Pages, request: Request, check: CheckResetLink, token: str, status_code: int = 200, **errors: str
) -> HTMLResponse:
    """The form names the account it resets, from the link's own account (never from what was posted), and
    gives a password manager that address as the username the new password is saved under."""
    try:
        email = await check.execute(token)
    except (InvalidToken, TokenExpired) as problem:
        return link_problem(pages, request, problem, for_reset=True)
    return pages.render(
        request,
        "reset_form",
        status_code,
        action=RESET_FORM,
        token=token,
        email=email,
        csrf_token=pages.csrf_token(token),
        errors=errors,
        code_page=RESET_CODE_FORM,
    )


@browser.post(RESET_FORM.removeprefix(AUTH), response_class=HTMLResponse)
@inject
async def reset_form_post(
    request: Request,
    use_case: ConfirmReset = Depends(ProvideInLoop[Container.confirm_reset]),
    check: CheckResetLink = Depends(ProvideInLoop[Container.check_reset_link]),
    pages: Pages = Depends(ProvideInLoop[Container.pages]),
) -> HTMLResponse:
    fields = await fields_or_none(request)
    if fields is None:
        return form_expired(pages, request, 400)
    token = fields.get("token", "")
    if not token or not pages.csrf_matches(token, fields.get("csrf_token", "")):
        return form_expired(pages, request)
    _ = translator(request)
    try:
        await use_case.execute(
            ResetConfirmation(
                token,
                fields.get("new_password", ""),
                fields.get("confirm_new_password", ""),
                session_origin(request),
            )
        )
    except (InvalidToken, TokenExpired) as problem:
        return link_problem(pages, request, problem, for_reset=True)
    except PasswordsMismatch as problem:
        return await reset_form(
            pages, request, check, token, 422, confirm_new_password=_(problem.message_template)
        )
    except WeakPassword as problem:
        return await reset_form(pages, request, check, token, 422, new_password=_weak(problem, _))
    return pages.render(request, "reset_done")


def _weak(problem: WeakPassword, _: object) -> str:
    words = _(problem.message_template), _(problem.resolution_template)  # type: ignore[operator]
    return " ".join(words).format(**problem.values)


@browser.get(RESET_CODE_FORM.removeprefix(AUTH), response_class=HTMLResponse)
@inject
async def reset_code_page(
    request: Request, pages: Pages = Depends(ProvideInLoop[Container.pages])
) -> HTMLResponse:
    return pages.render(request, "reset_code", action=RESET_CODE_FORM, email="", errors={})


@browser.post(RESET_CODE_FORM.removeprefix(AUTH), response_class=HTMLResponse)
@inject
async def reset_code_post(
    request: Request,
    use_case: ResetPasswordByCode = Depends(ProvideInLoop[Container.reset_password_by_code]),
    pages: Pages = Depends(ProvideInLoop[Container.pages]),
) -> HTMLResponse:
    fields = await fields_or_none(request)
    if fields is None:
        return form_expired(pages, request, 400)
    email = fields.get("email", "")
    _ = translator(request)

    def again(**errors: str) -> HTMLResponse:
        return pages.render(request, "reset_code", 400, action=RESET_CODE_FORM, email=email, errors=errors)

    try:
        await use_case.execute(
            CodeReset(
                email,
                fields.get("code", ""),
                fields.get("new_password", ""),
                fields.get("confirm_new_password", ""),
                client_key(request),
                session_origin(request),
            )
        )
    except (InvalidCode, InvalidEmail, RateLimited) as problem:
        return again(code=localized(problem, _))
    except PasswordsMismatch as problem:
        return again(confirm_new_password=localized(problem, _))
    except WeakPassword as problem:
        return again(new_password=_weak(problem, _))
    return pages.render(request, "reset_done")


# Known: changed by the signed-in owner, who proves the current one.


@router.post(
    "/change-password",
    response_model=SessionOut | SecondFactorOut,
    dependencies=[Depends(no_store)],
    responses=answers(JSON_BODY, VERIFIED, WRONG_PASSWORD, WEAK, LIMITED, UNAVAILABLE),
)
@inject
async def change_password(
    body: ChangePasswordIn,
    request: Request,
    user: UserView = Depends(require_verified),
    caller: Caller = Depends(current_caller),
    use_case: ChangePassword = Depends(ProvideInLoop[Container.change_password]),
) -> SessionOut | SecondFactorOut:
    """Every other session ends; the answer carries new tokens for this one, which keeps how its sign-in
    was proved. A session that has not proved the account's second factor gets `mfa_required` instead."""
    change = PasswordChange(
        user.id,
        body.current_password,
        body.new_password,
        client_key(request),
        session_origin(request),
        proof=caller.proof,
    )
    return signed_in(await use_case.execute(change))
