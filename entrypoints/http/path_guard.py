"""A path that holds a control character is refused before it is routed."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

from entrypoints.http.errors import error_response

CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ControlCharactersInPath:
    """422 for a path holding a control character (after percent-decoding). Starlette ends each route's
    pattern with `$`, which also matches before a trailing newline: GET /api/v1/users/%0A answered the user
    list and /api/v1/auth/me%0A the account (found by the schemathesis fuzz run, at random). 422, the
    answer every operation with a path parameter declares, as no id, token or code holds such a character."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and CONTROL.search(scope["path"]):
            answer = error_response(
                422, "The URL holds a control character.", "validation_error", "Check the URL."
            )
            await answer(scope, receive, send)
            return
        await self.app(scope, receive, send)
