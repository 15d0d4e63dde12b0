"""The pages a person reaches from an email. Opening one changes nothing, whoever opens it (a mail
scanner opens every link first): a button's form post does the work, and a code typed in does too.

They work without JavaScript: plain form posts, answered with pages. Errors stand next to their field.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse

from application.address.check_email_change_link import CheckEmailChangeLink
from application.address.check_verification_link import CheckVerificationLink
from application.address.confirm_email_change import ConfirmEmailChange
from application.address.resend_verification import ResendVerification
from application.address.verify_email import VerifyEmail
from application.address.verify_email_by_code import VerifyEmailByCode
from application.password.check_reset_link import CheckResetLink
from application.password.confirm_reset import ConfirmReset, ResetConfirmation
from application.password.request_reset import RequestReset
from application.password.reset_password_by_code import CodeReset, ResetPasswordByCode
from application.shared.code_entry import CodeEntry
from application.shared.record_email_request import LinkRequest
from domain.errors import (InvalidCode, InvalidEmail, InvalidToken, PasswordsMismatch, RateLimited, TokenExpired,
                           UserAlreadyExists, WeakPassword)
from entrypoints.container import Container
from entrypoints.http.client_address import client_key, session_origin
from entrypoints.http.errors import N_, localized, translator
from entrypoints.http.injection import ProvideInLoop
from entrypoints.http.pages import Pages

router = APIRouter(prefix="/api/v1/auth", include_in_schema=False)
Token = Annotated[str, Path()]
PREFIX = "/api/v1/auth"
RESET_FORM = f"{PREFIX}/password-reset-form"
RESET_CODE_FORM = f"{PREFIX}/password-reset-code-form"
NEW_RESET_FORM = f"{PREFIX}/password-reset-request-form"
VERIFY_FORM = f"{PREFIX}/verify-form"
VERIFY_CODE_FORM = f"{PREFIX}/verify-code-form"
NEW_VERIFICATION_FORM = f"{PREFIX}/resend-verification-form"
CONFIRM_EMAIL_FORM = f"{PREFIX}/confirm-email-form"
# The same words whether or not the address has an account: the page must not tell.
LINK_ON_ITS_WAY = N_("If an account with that address needs it, an email is on its way. Check your inbox.")


class UnreadableForm(Exception):
    """The form's bytes are not UTF-8: what they say cannot be known, so nothing is done with them."""


async def form_fields(request: Request) -> dict[str, str]:
    # Forms post application/x-www-form-urlencoded; the body limit has bounded what is read. Decoded
    # strictly: a password of replacement characters is not what the person typed.
    try:
        fields = parse_qs((await request.body()).decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise UnreadableForm() from None
    return {name: values[0] for name, values in fields.items()}


async def _fields_or_none(request: Request) -> dict[str, str] | None:
    try:
        return await form_fields(request)
    except UnreadableForm:
        return None


def link_problem(pages: Pages, request: Request, problem: Exception, for_reset: bool, offer_new: bool = True,
                 **values: object) -> HTMLResponse:
    _ = translator(request)
    if not offer_new:  # an email change is asked for again from the account, not from an address
        offer: dict[str, object] = dict(action=None)
    elif for_reset:
        offer = dict(offer=_("Ask for a new link to reset your password:"), action=NEW_RESET_FORM,
                     button=_("Send a new reset link"))
    else:
        offer = dict(offer=_("Ask for a new verification link:"), action=NEW_VERIFICATION_FORM,
                     button=_("Send a new verification link"))
    return pages.render(request, "link_problem", 400, expired=isinstance(problem, TokenExpired), **offer, **values)


def form_expired(pages: Pages, request: Request, status_code: int = 403) -> HTMLResponse:
    return pages.render(request, "form_expired", status_code)


# Verification: the link's page asks, the button confirms, and a code works as well as the button.

async def verification_page(request: Request, token: str, check: CheckVerificationLink, pages: Pages) -> HTMLResponse:
    """What GET and HEAD on the verification link answer a browser, a scanner or anyone but an API client."""
    try:
        link = await check.execute(token)
    except (InvalidToken, TokenExpired) as problem:
        return link_problem(pages, request, problem, for_reset=False)
    if link.already_verified:
        return pages.render(request, "verified", already=True)
    return pages.render(request, "confirm_address", email=link.email, token=token, action=VERIFY_FORM,
                        csrf_token=pages.csrf_token(token), code_action=VERIFY_CODE_FORM)


@router.post(VERIFY_FORM.removeprefix(PREFIX), response_class=HTMLResponse)
@inject
async def verify_form_post(request: Request, use_case: VerifyEmail = Depends(ProvideInLoop[Container.verify_email]),
                           pages: Pages = Depends(ProvideInLoop[Container.pages])) -> HTMLResponse:
    fields = await _fields_or_none(request)
    token = (fields or {}).get("token", "")
    if fields is None or not token or not pages.csrf_matches(token, fields.get("csrf_token", "")):
        return form_expired(pages, request)
    try:
        changed = await use_case.execute(token, session_origin(request))
    except (InvalidToken, TokenExpired) as problem:
        return link_problem(pages, request, problem, for_reset=False)
    return pages.render(request, "verified", already=not changed)


@router.get(VERIFY_CODE_FORM.removeprefix(PREFIX), response_class=HTMLResponse)
@inject
async def verify_code_page(request: Request, pages: Pages = Depends(ProvideInLoop[Container.pages])) -> HTMLResponse:
    return pages.render(request, "verify_code", action=VERIFY_CODE_FORM, email="", code_error="")


@router.post(VERIFY_CODE_FORM.removeprefix(PREFIX), response_class=HTMLResponse)
@inject
async def verify_code_post(request: Request,
                           use_case: VerifyEmailByCode = Depends(ProvideInLoop[Container.verify_email_by_code]),
                           pages: Pages = Depends(ProvideInLoop[Container.pages])) -> HTMLResponse:
    fields = await _fields_or_none(request)
    if fields is None:
        return form_expired(pages, request, 400)
    email = fields.get("email", "")
    _ = translator(request)
    try:
        changed = await use_case.execute(CodeEntry(email, fields.get("code", ""), client_key(request),
                                                   session_origin(request)))
    except (InvalidCode, InvalidEmail, RateLimited) as problem:
        return pages.render(request, "verify_code", 400, action=VERIFY_CODE_FORM, email=email,
                            code_error=localized(problem, _))
    return pages.render(request, "verified", already=not changed)


# Email change: the link's page asks, the button confirms.

async def email_change_page(request: Request, token: str, check: CheckEmailChangeLink, pages: Pages) -> HTMLResponse:
    try:
        new_email = await check.execute(token)
    except (InvalidToken, TokenExpired) as problem:
        return link_problem(pages, request, problem, for_reset=False, offer_new=False)
    return pages.render(request, "confirm_new_address", email=new_email, token=token, action=CONFIRM_EMAIL_FORM,
                        csrf_token=pages.csrf_token(token))


@router.post(CONFIRM_EMAIL_FORM.removeprefix(PREFIX), response_class=HTMLResponse)
@inject
async def confirm_email_form_post(
    request: Request, use_case: ConfirmEmailChange = Depends(ProvideInLoop[Container.confirm_email_change]),
    pages: Pages = Depends(ProvideInLoop[Container.pages]),
) -> HTMLResponse:
    fields = await _fields_or_none(request)
    token = (fields or {}).get("token", "")
    if fields is None or not token or not pages.csrf_matches(token, fields.get("csrf_token", "")):
        return form_expired(pages, request)
    try:
        user = await use_case.execute(token, session_origin(request))
    except (InvalidToken, TokenExpired) as problem:
        return link_problem(pages, request, problem, for_reset=False, offer_new=False)
    except UserAlreadyExists as problem:  # another account took the address since the link was sent
        return link_problem(pages, request, problem, for_reset=False, offer_new=False,
                            reason=localized(problem, translator(request)))
    return pages.render(request, "address_changed", email=user.email)


# Reset: the link's page is a form; a code works with a form of its own.

@router.get("/password-reset-confirm/{token}", response_class=HTMLResponse)
@router.head("/password-reset-confirm/{token}", response_class=HTMLResponse)
@inject
async def reset_page(request: Request, token: Token,
                     check: CheckResetLink = Depends(ProvideInLoop[Container.check_reset_link]),
                     pages: Pages = Depends(ProvideInLoop[Container.pages])) -> HTMLResponse:
    """The link in the reset email: a form, or why the link no longer works."""
    return await reset_form(pages, request, check, token)


async def reset_form(pages: Pages, request: Request, check: CheckResetLink, token: str, status_code: int = 200,
                     **errors: str) -> HTMLResponse:
    """The form names the account it resets, from the link's own account (never from what was posted), and
    gives a password manager that address as the username the new password is saved under."""
    try:
        email = await check.execute(token)
    except (InvalidToken, TokenExpired) as problem:
        return link_problem(pages, request, problem, for_reset=True)
    return pages.render(request, "reset_form", status_code, action=RESET_FORM, token=token, email=email,
                        csrf_token=pages.csrf_token(token), errors=errors, code_page=RESET_CODE_FORM)


@router.post(RESET_FORM.removeprefix(PREFIX), response_class=HTMLResponse)
@inject
async def reset_form_post(request: Request, use_case: ConfirmReset = Depends(ProvideInLoop[Container.confirm_reset]),
                          check: CheckResetLink = Depends(ProvideInLoop[Container.check_reset_link]),
                          pages: Pages = Depends(ProvideInLoop[Container.pages])) -> HTMLResponse:
    fields = await _fields_or_none(request)
    if fields is None:
        return form_expired(pages, request, 400)
    token = fields.get("token", "")
    if not token or not pages.csrf_matches(token, fields.get("csrf_token", "")):
        return form_expired(pages, request)
    _ = translator(request)
    try:
        await use_case.execute(ResetConfirmation(token, fields.get("new_password", ""),
                                                 fields.get("confirm_new_password", ""), session_origin(request)))
    except (InvalidToken, TokenExpired) as problem:
        return link_problem(pages, request, problem, for_reset=True)
    except PasswordsMismatch as problem:
        return await reset_form(pages, request, check, token, 422, confirm_new_password=_(problem.message_template))
    except WeakPassword as problem:
        return await reset_form(pages, request, check, token, 422, new_password=_weak(problem, _))
    return pages.render(request, "reset_done")


def _weak(problem: WeakPassword, _: object) -> str:
    words = _(problem.message_template), _(problem.resolution_template)  # type: ignore[operator]
    return " ".join(words).format(**problem.values)


@router.get(RESET_CODE_FORM.removeprefix(PREFIX), response_class=HTMLResponse)
@inject
async def reset_code_page(request: Request, pages: Pages = Depends(ProvideInLoop[Container.pages])) -> HTMLResponse:
    return pages.render(request, "reset_code", action=RESET_CODE_FORM, email="", errors={})


@router.post(RESET_CODE_FORM.removeprefix(PREFIX), response_class=HTMLResponse)
@inject
async def reset_code_post(request: Request,
                          use_case: ResetPasswordByCode = Depends(ProvideInLoop[Container.reset_password_by_code]),
                          pages: Pages = Depends(ProvideInLoop[Container.pages])) -> HTMLResponse:
    fields = await _fields_or_none(request)
    if fields is None:
        return form_expired(pages, request, 400)
    email = fields.get("email", "")
    _ = translator(request)

    def again(**errors: str) -> HTMLResponse:
        return pages.render(request, "reset_code", 400, action=RESET_CODE_FORM, email=email, errors=errors)

    try:
        await use_case.execute(CodeReset(email, fields.get("code", ""), fields.get("new_password", ""),
                                         fields.get("confirm_new_password", ""), client_key(request),
                                         session_origin(request)))
    except (InvalidCode, InvalidEmail, RateLimited) as problem:
        return again(code=localized(problem, _))
    except PasswordsMismatch as problem:
        return again(confirm_new_password=localized(problem, _))
    except WeakPassword as problem:
        return again(new_password=_weak(problem, _))
    return pages.render(request, "reset_done")


# Asking for a new link: the same answer for any address.

@router.get("/forgot-password", response_class=HTMLResponse)
@inject
async def forgot_password_page(request: Request, pages: Pages = Depends(ProvideInLoop[Container.pages])) -> HTMLResponse:
    return pages.render(request, "forgot_password", action=NEW_RESET_FORM)


async def _ask_for_link(request: Request, use_case: RequestReset | ResendVerification, pages: Pages,
                        for_reset: bool) -> HTMLResponse:
    fields = await _fields_or_none(request)
    if fields is None:
        return form_expired(pages, request, 400)
    email = fields.get("email", "")
    try:
        await use_case.execute(LinkRequest(email, client_key(request), session_origin(request)))
    except InvalidEmail as problem:
        return link_problem(pages, request, problem, for_reset, email=email,
                            email_error=localized(problem, translator(request)))
    return pages.render(request, "check_inbox", code_page=RESET_CODE_FORM if for_reset else VERIFY_CODE_FORM)


@router.post(NEW_RESET_FORM.removeprefix(PREFIX), response_class=HTMLResponse)
@inject
async def new_reset_link(request: Request, use_case: RequestReset = Depends(ProvideInLoop[Container.request_reset]),
                         pages: Pages = Depends(ProvideInLoop[Container.pages])) -> HTMLResponse:
    return await _ask_for_link(request, use_case, pages, for_reset=True)


@router.post(NEW_VERIFICATION_FORM.removeprefix(PREFIX), response_class=HTMLResponse)
@inject
async def new_verification_link(
    request: Request, use_case: ResendVerification = Depends(ProvideInLoop[Container.resend_verification]),
    pages: Pages = Depends(ProvideInLoop[Container.pages]),
) -> HTMLResponse:
    return await _ask_for_link(request, use_case, pages, for_reset=False)
