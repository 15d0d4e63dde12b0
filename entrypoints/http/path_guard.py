"""A path that holds a control character names no route."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

from entrypoints.http.errors import HTTP_CODES, error_response

CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ControlCharactersInPath:
    """404 for a path holding a control character (after percent-decoding). Starlette ends each route's
    pattern with `$`, which also matches before a trailing newline: GET /api/v1/users/%0A answered the user
    list and /api/v1/auth/me%0A the account (found by the schemathesis fuzz run, at random)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and CONTROL.search(scope["path"]):
            code, resolution = HTTP_CODES[404]
            await error_response(404, "Not Found", code, resolution)(scope, receive, send)
            return
        await self.app(scope, receive, send)
