"""Server-rendered pages for the links in emails: a person with only a browser can finish both flows."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

SHIPPED = Path(__file__).with_name("templates")
# The page holds a token in its URL: it must not leak through a Referer, a cache, or a frame.
PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                           "frame-ancestors 'none'",
                "X-Content-Type-Options": "nosniff"}


def wants_html(request: Request) -> bool:
    """A browser following a link asks for HTML first; an API client asks for JSON or anything."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept.split(",")[0]


class Pages:
    def __init__(self, *, templates_dir: Path | None, product: str, login_url: str | None, csrf_key: bytes) -> None:
        folders = [templates_dir, SHIPPED] if templates_dir is not None else [SHIPPED]
        self._env = Environment(loader=ChoiceLoader([FileSystemLoader(f) for f in folders]),
                                autoescape=select_autoescape(default=True), auto_reload=False)
        self._product = product
        self._login_url = login_url
        self._csrf_key = csrf_key

    def render(self, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        html = self._env.get_template(f"{template}.html").render(
            product=self._product, login_url=self._login_url, **values)
        return HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)

    def csrf_token(self, reset_token: str) -> str:
        """Tied to the reset token: a form posted from elsewhere cannot know it."""
        return hmac.new(self._csrf_key, reset_token.encode(), hashlib.sha256).hexdigest()

    def csrf_matches(self, reset_token: str, offered: str) -> bool:
        # As bytes: compare_digest refuses a str with characters beyond ASCII, which a form can send.
        return hmac.compare_digest(self.csrf_token(reset_token).encode(), offered.encode())
