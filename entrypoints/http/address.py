"""Proving the address (the emailed link or code) and changing it (/api/v1/auth), with the pages the
emailed links open. Opening a page changes nothing, whoever opens it (a mail scanner opens every link
first): a button's form post does the work, and a code typed in does too."""

from __future__ import annotations

from typing import Any

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from application.address.change_email import ChangeEmail, EmailChange
from application.address.check_email_change_link import CheckEmailChangeLink
from application.address.check_verification_link import CheckVerificationLink
from application.address.confirm_email_change import ConfirmEmailChange
from application.address.confirm_email_change_by_code import ConfirmEmailChangeByCode, EmailChangeCode
from application.address.verify_email import VerifyEmail
from application.address.verify_email_by_code import VerifyEmailByCode
from application.shared.code_entry import CodeEntry
from domain.errors import (
    InvalidCode,
    InvalidEmail,
    InvalidToken,
    RateLimited,
    TokenExpired,
    UserAlreadyExists,
)
from domain.views import UserView
from entrypoints.container import Container
from entrypoints.http.answers import (
    EXPIRED,
    FRESH_VERIFIED,
    INVALID,
    INVALID_CODE,
    INVALID_TOKEN,
    JSON_BODY,
    LIMITED,
    NOT_AN_ADDRESS,
    SIGNED_IN,
    TAKEN,
    UNAVAILABLE,
    WRONG_PASSWORD,
    answers,
    html_too,
)
from entrypoints.http.client_address import client_key, session_origin
from entrypoints.http.errors import localized, translator
from entrypoints.http.injection import ProvideInLoop
from entrypoints.http.pages import (
    VERIFY_CODE_FORM,
    Pages,
    fields_or_none,
    form_expired,
    link_problem,
    prefers_json,
)
from entrypoints.http.security import current_user, require_fresh_verified
from entrypoints.http.shared import (
    AUTH,
    CodeIn,
    EmailField,
    MessageOut,
    PasswordField,
    Strict,
    Token,
    TokenIn,
    UserOut,
    example,
)

router = APIRouter(prefix=AUTH, tags=["address"])
browser = APIRouter(prefix=AUTH, include_in_schema=False)  # the pages, outside the OpenAPI document
VERIFY_FORM = f"{AUTH}/verify-form"
CONFIRM_EMAIL_FORM = f"{AUTH}/confirm-email-form"
# A wrong code counts against the client's share of guesses (429 past it).
CODE_ENTRY = (JSON_BODY, INVALID_CODE, LIMITED, UNAVAILABLE)


class ChangeEmailIn(Strict):
    model_config = example(new_email="ada@new.example.com", password="correct horse battery")

    new_email: EmailField
    password: PasswordField


class UserMessageOut(BaseModel):
    message: str
    user: UserOut


def verified_message(request: Request, changed: bool) -> MessageOut:
    _ = translator(request)
    return MessageOut(
        message=_("Your email address is verified.")
        if changed
        else _("Your email address was already verified.")
    )


def email_confirmed(request: Request, user: UserView) -> UserMessageOut:
    _ = translator(request)
    return UserMessageOut(message=_("Your new email address is confirmed."), user=UserOut.of(user))


# Verification: the link's page asks, the button confirms, and a code works as well as the button.


@router.get(
    "/verify/{token}",
    response_model=MessageOut,
    responses=html_too(answers(INVALID, INVALID_TOKEN, EXPIRED, UNAVAILABLE), 200, 400),
)
@router.head("/verify/{token}", include_in_schema=False)
@inject
async def verify(
    token: Token,
    request: Request,
    use_case: VerifyEmail = Depends(ProvideInLoop[Container.verify_email]),
    check: CheckVerificationLink = Depends(ProvideInLoop[Container.check_verification_link]),
    pages: Pages = Depends(ProvideInLoop[Container.pages]),
) -> Any:
    """The emailed link. Opening it changes nothing: it answers a page whose button verifies (mail scanners
    open every link). Only an API client that asks for JSON by name (Bookly's clients) verifies with a GET."""
    if request.method == "GET" and prefers_json(request):
        return verified_message(request, await use_case.execute(token, session_origin(request)))
    return await verification_page(request, token, check, pages)


async def verification_page(
    request: Request, token: str, check: CheckVerificationLink, pages: Pages
) -> HTMLResponse:
    """What GET and HEAD on the verification link answer a browser, a scanner or anyone but an API client."""
    try:
        link = await check.execute(token)
    except (InvalidToken, TokenExpired) as problem:
        return link_problem(pages, request, problem, for_reset=False)
    if link.already_verified:
        return pages.render(request, "verified", already=True)
    return pages.render(
        request,
        "confirm_address",
        email=link.email,
        token=token,
        action=VERIFY_FORM,
        csrf_token=pages.csrf_token(token),
        code_action=VERIFY_CODE_FORM,
    )


@router.post(
    "/verify", response_model=MessageOut, responses=answers(JSON_BODY, INVALID_TOKEN, EXPIRED, UNAVAILABLE)
)
@inject
async def verify_token(
    body: TokenIn, request: Request, use_case: VerifyEmail = Depends(ProvideInLoop[Container.verify_email])
) -> MessageOut:
    """Verifies the address with the token of the emailed link, for a front end that shows its own page."""
    return verified_message(request, await use_case.execute(body.token, session_origin(request)))


@router.post("/verify-code", response_model=MessageOut, responses=answers(CODE_ENTRY))
@inject
async def verify_code(
    body: CodeIn,
    request: Request,
    use_case: VerifyEmailByCode = Depends(ProvideInLoop[Container.verify_email_by_code]),
) -> MessageOut:
    """As the verification link. A wrong code and an address with none get the same 400 invalid_code."""
    entry = CodeEntry(body.email, body.code, client_key(request), session_origin(request))
    return verified_message(request, await use_case.execute(entry))


@browser.post(VERIFY_FORM.removeprefix(AUTH), response_class=HTMLResponse)
@inject
async def verify_form_post(
    request: Request,
    use_case: VerifyEmail = Depends(ProvideInLoop[Container.verify_email]),
    pages: Pages = Depends(ProvideInLoop[Container.pages]),
) -> HTMLResponse:
    fields = await fields_or_none(request)
    token = (fields or {}).get("token", "")
    if fields is None or not token or not pages.csrf_matches(token, fields.get("csrf_token", "")):
        return form_expired(pages, request)
    try:
        changed = await use_case.execute(token, session_origin(request))
    except (InvalidToken, TokenExpired) as problem:
        return link_problem(pages, request, problem, for_reset=False)
    return pages.render(request, "verified", already=not changed)


@browser.get(VERIFY_CODE_FORM.removeprefix(AUTH), response_class=HTMLResponse)
@inject
async def verify_code_page(
    request: Request, pages: Pages = Depends(ProvideInLoop[Container.pages])
) -> HTMLResponse:
    return pages.render(request, "verify_code", action=VERIFY_CODE_FORM, email="", code_error="")


@browser.post(VERIFY_CODE_FORM.removeprefix(AUTH), response_class=HTMLResponse)
@inject
async def verify_code_post(
    request: Request,
    use_case: VerifyEmailByCode = Depends(ProvideInLoop[Container.verify_email_by_code]),
    pages: Pages = Depends(ProvideInLoop[Container.pages]),
) -> HTMLResponse:
    fields = await fields_or_none(request)
    if fields is None:
        return form_expired(pages, request, 400)
    email = fields.get("email", "")
    _ = translator(request)
    try:
        changed = await use_case.execute(
            CodeEntry(email, fields.get("code", ""), client_key(request), session_origin(request))
        )
    except (InvalidCode, InvalidEmail, RateLimited) as problem:
        return pages.render(
            request,
            "verify_code",
            400,
            action=VERIFY_CODE_FORM,
            email=email,
            code_error=localized(problem, _),
        )
    return pages.render(request, "verified", already=not changed)


# Email change: asked for by the signed-in owner; the link's page asks, the button confirms, or the code
# is typed in by the owner.


@router.post(
    "/change-email",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=MessageOut,
    responses=answers(JSON_BODY, FRESH_VERIFIED, WRONG_PASSWORD, NOT_AN_ADDRESS, TAKEN, LIMITED, UNAVAILABLE),
)
@inject
async def change_email(
    body: ChangeEmailIn,
    request: Request,
    user: UserView = Depends(require_fresh_verified),
    use_case: ChangeEmail = Depends(ProvideInLoop[Container.change_email]),
) -> MessageOut:
    """Sends a confirmation link and code to the new address; the account keeps its address until one is
    used. Needs a fresh sign-in (401 `reauthentication_required` otherwise)."""
    await use_case.execute(EmailChange(user.id, body.new_email, body.password, client_key(request)))
    _ = translator(request)
    return MessageOut(
        message=_(
            "Check the new address for a confirmation link or code; until it is used, the "
            "account keeps its current address."
        )
    )


@router.get(
    "/confirm-email/{token}",
    response_model=UserMessageOut,
    responses=html_too(answers(INVALID, INVALID_TOKEN, EXPIRED, TAKEN, UNAVAILABLE), 200, 400),
)
@router.head("/confirm-email/{token}", include_in_schema=False)
@inject
async def confirm_email(
    token: Token,
    request: Request,
    use_case: ConfirmEmailChange = Depends(ProvideInLoop[Container.confirm_email_change]),
    check: CheckEmailChangeLink = Depends(ProvideInLoop[Container.check_email_change_link]),
    pages: Pages = Depends(ProvideInLoop[Container.pages]),
) -> Any:
    """The emailed link. As the verification link: a page with a button, unless an API client asks for
    JSON."""
    if request.method == "GET" and prefers_json(request):
        return email_confirmed(request, await use_case.execute(token, session_origin(request)))
    return await email_change_page(request, token, check, pages)


async def email_change_page(
    request: Request, token: str, check: CheckEmailChangeLink, pages: Pages
) -> HTMLResponse:
    try:
        new_email = await check.execute(token)
    except (InvalidToken, TokenExpired) as problem:
        return link_problem(pages, request, problem, for_reset=False, offer_new=False)
    return pages.render(
        request,
        "confirm_new_address",
        email=new_email,
        token=token,
        action=CONFIRM_EMAIL_FORM,
        csrf_token=pages.csrf_token(token),
    )


@router.post(
    "/confirm-email",
    response_model=UserMessageOut,
    responses=answers(JSON_BODY, INVALID_TOKEN, EXPIRED, TAKEN, UNAVAILABLE),
)
@inject
async def confirm_email_token(
    body: TokenIn,
    request: Request,
    use_case: ConfirmEmailChange = Depends(ProvideInLoop[Container.confirm_email_change]),
) -> UserMessageOut:
    """Confirms the new address with the token of the emailed link, for a front end's own page."""
    return email_confirmed(request, await use_case.execute(body.token, session_origin(request)))


@router.post(
    "/confirm-email-code", response_model=UserMessageOut, responses=answers(CODE_ENTRY, SIGNED_IN, TAKEN)
)
@inject
async def confirm_email_by_code(
    body: CodeIn,
    request: Request,
    user: UserView = Depends(current_user),
    use_case: ConfirmEmailChangeByCode = Depends(ProvideInLoop[Container.confirm_email_change_by_code]),
) -> UserMessageOut:
    """`email` is the new address, where the code was sent; the account is the bearer's."""
    changed = await use_case.execute(
        EmailChangeCode(user.id, body.email, body.code, client_key(request), session_origin(request))
    )
    return email_confirmed(request, changed)


@browser.post(CONFIRM_EMAIL_FORM.removeprefix(AUTH), response_class=HTMLResponse)
@inject
async def confirm_email_form_post(
    request: Request,
    use_case: ConfirmEmailChange = Depends(ProvideInLoop[Container.confirm_email_change]),
    pages: Pages = Depends(ProvideInLoop[Container.pages]),
) -> HTMLResponse:
    fields = await fields_or_none(request)
    token = (fields or {}).get("token", "")
    if fields is None or not token or not pages.csrf_matches(token, fields.get("csrf_token", "")):
        return form_expired(pages, request)
    try:
        user = await use_case.execute(token, session_origin(request))
    except (InvalidToken, TokenExpired) as problem:
        return link_problem(pages, request, problem, for_reset=False, offer_new=False)
    except UserAlreadyExists as problem:  # another account took the address since the link was sent
        return link_problem(
            pages,
            request,
            problem,
            for_reset=False,
            offer_new=False,
            reason=localized(problem, translator(request)),
        )
    return pages.render(request, "address_changed", email=user.email)
