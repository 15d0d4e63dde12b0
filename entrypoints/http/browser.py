"""The pages a person reaches from an email: the reset form and the forms that ask for a new link.

They work without JavaScript: plain form posts, answered with pages. Errors stand next to their field.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from dependency_injector.wiring import Provide, inject
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse

from application.check_reset_link import CheckResetLink
from application.confirm_reset import ConfirmReset, ResetConfirmation
from application.email_requests import LinkRequest
from application.request_reset import RequestReset
from application.resend_verification import ResendVerification
from domain.errors import InvalidEmail, InvalidToken, PasswordsMismatch, TokenExpired, WeakPassword
from entrypoints.container import Container
from entrypoints.http.pages import Pages
from entrypoints.http.client_address import client_key

router = APIRouter(prefix="/api/v1/auth", include_in_schema=False)
Token = Annotated[str, Path()]
RESET_FORM = "/api/v1/auth/password-reset-form"
NEW_RESET_FORM = "/api/v1/auth/password-reset-request-form"
NEW_VERIFICATION_FORM = "/api/v1/auth/resend-verification-form"
# The same words whether or not the address has an account: the page must not tell.
LINK_ON_ITS_WAY = "If an account with that address needs it, an email is on its way. Check your inbox."


def link_problem(pages: Pages, problem: Exception, for_reset: bool, **values: object) -> HTMLResponse:
    if for_reset:
        offer = dict(offer="Ask for a new link to reset your password:", action=NEW_RESET_FORM,
                     button="Send a new reset link")
    else:
        offer = dict(offer="Ask for a new verification link:", action=NEW_VERIFICATION_FORM,
                     button="Send a new verification link")
    return pages.render("link_problem", 400, expired=isinstance(problem, TokenExpired), **offer, **values)


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


def unreadable_form(pages: Pages) -> HTMLResponse:
    return pages.render("form_expired", 400)


@router.get("/password-reset-confirm/{token}", response_class=HTMLResponse)
@inject
async def reset_page(token: Token, check: CheckResetLink = Depends(Provide[Container.check_reset_link]),
                     pages: Pages = Depends(Provide[Container.pages])) -> HTMLResponse:
    """The link in the reset email: a form, or why the link no longer works."""
    try:
        await check.execute(token)
    except (InvalidToken, TokenExpired) as problem:
        return link_problem(pages, problem, for_reset=True)
    return reset_form(pages, token)


def reset_form(pages: Pages, token: str, status_code: int = 200, **errors: str) -> HTMLResponse:
    return pages.render("reset_form", status_code, action=RESET_FORM, token=token,
                        csrf_token=pages.csrf_token(token), errors=errors)


@router.post(RESET_FORM.removeprefix("/api/v1/auth"), response_class=HTMLResponse)
@inject
async def reset_form_post(request: Request, use_case: ConfirmReset = Depends(Provide[Container.confirm_reset]),
                          pages: Pages = Depends(Provide[Container.pages])) -> HTMLResponse:
    try:
        fields = await form_fields(request)
    except UnreadableForm:
        return unreadable_form(pages)
    token = fields.get("token", "")
    if not token or not pages.csrf_matches(token, fields.get("csrf_token", "")):
        return pages.render("form_expired", 403)
    try:
        await use_case.execute(ResetConfirmation(token, fields.get("new_password", ""),
                                                 fields.get("confirm_new_password", "")))
    except (InvalidToken, TokenExpired) as problem:
        return link_problem(pages, problem, for_reset=True)
    except PasswordsMismatch as problem:
        return reset_form(pages, token, 422, confirm_new_password=problem.message)
    except WeakPassword as problem:
        return reset_form(pages, token, 422, new_password=f"{problem.message} {problem.resolution}")
    return pages.render("reset_done")


async def _ask_for_link(request: Request, use_case: RequestReset | ResendVerification, pages: Pages,
                        for_reset: bool) -> HTMLResponse:
    try:
        email = (await form_fields(request)).get("email", "")
    except UnreadableForm:
        return unreadable_form(pages)
    try:
        await use_case.execute(LinkRequest(email, client_key(request)))
    except InvalidEmail as problem:
        return link_problem(pages, problem, for_reset, email=email, email_error=problem.message)
    return pages.render("check_inbox", message=LINK_ON_ITS_WAY)


@router.post(NEW_RESET_FORM.removeprefix("/api/v1/auth"), response_class=HTMLResponse)
@inject
async def new_reset_link(request: Request, use_case: RequestReset = Depends(Provide[Container.request_reset]),
                         pages: Pages = Depends(Provide[Container.pages])) -> HTMLResponse:
    return await _ask_for_link(request, use_case, pages, for_reset=True)


@router.post(NEW_VERIFICATION_FORM.removeprefix("/api/v1/auth"), response_class=HTMLResponse)
@inject
async def new_verification_link(
    request: Request, use_case: ResendVerification = Depends(Provide[Container.resend_verification]),
    pages: Pages = Depends(Provide[Container.pages]),
) -> HTMLResponse:
    return await _ask_for_link(request, use_case, pages, for_reset=False)
