"""Server-rendered pages for the links in emails, in the reader's language: a person with only a browser
can finish every flow, and no page changes anything by being opened."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from adapters.i18n.catalogs import Catalogs
from adapters.weighted_header import weighted_values

SHIPPED = Path(__file__).with_name("templates")
# The page holds a token in its URL: it must not leak through a Referer, a cache, or a frame.
PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                           "frame-ancestors 'none'",
                "X-Content-Type-Options": "nosniff", "Vary": "Accept, Accept-Language"}


def prefers_json(request: Request) -> bool:
    """An API client that asks for JSON above HTML, by name (a scanner or a browser asks for HTML or */*)."""
    ranked: dict[str, tuple[float, int]] = {}
    for position, (media, quality) in enumerate(weighted_values(request.headers.get("accept"))):
        ranked.setdefault(media.lower(), (quality, -position))
    json, html = ranked.get("application/json", (0.0, 0)), ranked.get("text/html", (0.0, 0))
    return json[0] > 0 and json > html


class Pages:
    def __init__(self, *, templates_dir: Path | None, product: str, login_url: str | None, csrf_key: bytes,
                 catalogs: Catalogs) -> None:
        folders = [templates_dir, SHIPPED] if templates_dir is not None else [SHIPPED]
        self._loader = ChoiceLoader([FileSystemLoader(f) for f in folders])
        self._environments: dict[str, Environment] = {}
        self._catalogs = catalogs
        self._product = product
        self._login_url = login_url
        self._csrf_key = csrf_key

    def render(self, request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        language = self._catalogs.for_request(request.headers.get("accept-language"))
        html = self._environment(language).get_template(f"{template}.html").render(
            product=self._product, login_url=self._login_url, lang=language, **values)
        return HTMLResponse(html, status_code=status_code, headers={**PAGE_HEADERS, "Content-Language": language})

    def csrf_token(self, link_token: str) -> str:
        """Tied to the link's token: a form posted from elsewhere cannot know it."""
        return hmac.new(self._csrf_key, link_token.encode(), hashlib.sha256).hexdigest()

    def csrf_matches(self, link_token: str, offered: str) -> bool:
        # As bytes: compare_digest refuses a str with characters beyond ASCII, which a form can send.
        return hmac.compare_digest(self.csrf_token(link_token).encode(), offered.encode())

    def _environment(self, language: str) -> Environment:
        if language not in self._environments:
            env = Environment(loader=self._loader, autoescape=select_autoescape(default=True), auto_reload=False,
                              extensions=["jinja2.ext.i18n"])
            env.install_gettext_translations(self._catalogs.translations(language), newstyle=True)  # type: ignore[attr-defined]
            self._environments[language] = env
        return self._environments[language]
