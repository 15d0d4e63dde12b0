"""Server-rendered pages for the links in emails, in the reader's language: a person with only a browser
can finish every flow, and no page changes anything by being opened.

Each feature's pages live in its module (address, password, signup); what they share is here: the
renderer, reading a posted form, the pages for a link that no longer works, and the addresses of the
pages that link to each other across features.

They work without JavaScript: plain form posts, answered with pages. Errors stand next to their field.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from adapters.i18n.catalogs import Catalogs
from adapters.weighted_header import weighted_values
from application.address.resend_verification import ResendVerification
from application.password.request_reset import RequestReset
from application.shared.record_email_request import LinkRequest
from domain.errors import InvalidEmail, TokenExpired
from entrypoints.http.client_address import client_key, session_origin
from entrypoints.http.errors import localized, translator
from entrypoints.http.shared import AUTH

SHIPPED = Path(__file__).with_name("templates")
# A page offers the next step of a flow that another feature serves: asking for a new link (signup,
# password), typing the emailed code instead (address, password).
NEW_VERIFICATION_FORM = f"{AUTH}/resend-verification-form"
NEW_RESET_FORM = f"{AUTH}/password-reset-request-form"
VERIFY_CODE_FORM = f"{AUTH}/verify-code-form"
RESET_CODE_FORM = f"{AUTH}/password-reset-code-form"
# The page holds a token in its URL: it must not leak through a Referer, a cache, or a frame.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Vary": "Accept, Accept-Language",
}


def prefers_json(request: Request) -> bool:
    """An API client that asks for JSON above HTML, by name (a scanner or a browser asks for HTML or */*)."""
    ranked: dict[str, tuple[float, int]] = {}
    for position, (media, quality) in enumerate(weighted_values(request.headers.get("accept"))):
        ranked.setdefault(media.lower(), (quality, -position))
    json, html = ranked.get("application/json", (0.0, 0)), ranked.get("text/html", (0.0, 0))
    return json[0] > 0 and json > html


class Pages:
    def __init__(
        self,
        *,
        templates_dir: Path | None,
        product: str,
        login_url: str | None,
        csrf_key: bytes,
        catalogs: Catalogs,
    ) -> None:
        folders = [templates_dir, SHIPPED] if templates_dir is not None else [SHIPPED]
        self._loader = ChoiceLoader([FileSystemLoader(f) for f in folders])
        self._environments: dict[str, Environment] = {}
        self._catalogs = catalogs
        self._product = product
        self._login_url = login_url
        self._csrf_key = csrf_key

    def render(self, request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        language = self._catalogs.for_request(request.headers.get("accept-language"))
        html = (
            self._environment(language)
            .get_template(f"{template}.html")
            .render(product=self._product, login_url=self._login_url, lang=language, **values)
        )
        return HTMLResponse(
            html, status_code=status_code, headers={**PAGE_HEADERS, "Content-Language": language}
        )

    def csrf_token(self, link_token: str) -> str:
        """Tied to the link's token: a form posted from elsewhere cannot know it."""
        return hmac.new(self._csrf_key, link_token.encode(), hashlib.sha256).hexdigest()

    def csrf_matches(self, link_token: str, offered: str) -> bool:
        # As bytes: compare_digest refuses a str with characters beyond ASCII, which a form can send.
        return hmac.compare_digest(self.csrf_token(link_token).encode(), offered.encode())

    def _environment(self, language: str) -> Environment:
        if language not in self._environments:
            env = Environment(
                loader=self._loader,
                autoescape=select_autoescape(default=True),
                auto_reload=False,
                extensions=["jinja2.ext.i18n"],
            )
            env.install_gettext_translations(self._catalogs.translations(language), newstyle=True)  # type: ignore[attr-defined]
            self._environments[language] = env
        return self._environments[language]


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


async def fields_or_none(request: Request) -> dict[str, str] | None:
    try:
        return await form_fields(request)
    except UnreadableForm:
        return None


def link_problem(
    pages: Pages,
    request: Request,
    problem: Exception,
    for_reset: bool,
    offer_new: bool = True,
    **values: object,
) -> HTMLResponse:
    _ = translator(request)
    if not offer_new:  # an email change is asked for again from the account, not from an address
        offer: dict[str, object] = dict(action=None)
    elif for_reset:
        offer = dict(
            offer=_("Ask for a new link to reset your password:"),
            action=NEW_RESET_FORM,
            button=_("Send a new reset link"),
        )
    else:
        offer = dict(
            offer=_("Ask for a new verification link:"),
            action=NEW_VERIFICATION_FORM,
            button=_("Send a new verification link"),
        )
    return pages.render(
        request, "link_problem", 400, expired=isinstance(problem, TokenExpired), **offer, **values
    )


def form_expired(pages: Pages, request: Request, status_code: int = 403) -> HTMLResponse:
    return pages.render(request, "form_expired", status_code)


async def ask_for_link(
    request: Request, use_case: RequestReset | ResendVerification, pages: Pages, for_reset: bool
) -> HTMLResponse:
    """Asking for a new link from a page: the same answer for any address."""
    fields = await fields_or_none(request)
    if fields is None:
        return form_expired(pages, request, 400)
    email = fields.get("email", "")
    try:
        await use_case.execute(LinkRequest(email, client_key(request), session_origin(request)))
    except InvalidEmail as problem:
        return link_problem(
            pages,
            request,
            problem,
            for_reset,
            email=email,
            email_error=localized(problem, translator(request)),
        )
    return pages.render(request, "check_inbox", code_page=RESET_CODE_FORM if for_reset else VERIFY_CODE_FORM)
