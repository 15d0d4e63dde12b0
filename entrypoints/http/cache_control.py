"""Answers to a caller who showed credentials are kept by no cache (a browser's, a proxy's, a CDN's)."""

from __future__ import annotations

from fastapi import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PRIVATE = [(b"cache-control", b"no-store"), (b"pragma", b"no-cache")]  # Pragma for HTTP/1.0 caches


async def no_store(response: Response) -> None:
    """An answer with tokens in it is kept by no cache (RFC 6749 section 5.1): a route's dependency, for the
    answers that sign in (sessions) or hand new tokens after a password change (password)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


class NoStoreWhenAuthorized:
    """Every answer to a request with an Authorization header gets `Cache-Control: no-store`: /me, the
    export, the trail, sessions, the administrators' lists, suppressions and webhooks hold personal data,
    and a route added later is covered without a word. An answer that says its own Cache-Control (the
    public key set's max-age, a token answer's no-store) keeps it. Set here, once, rather than per route,
    so forgetting it is not possible."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Plain loops, not any() over a generator: this runs on every request, GET /me's included.
        if scope["type"] == "http":
            for name, _ in scope["headers"]:
                if name == b"authorization":
                    break
            else:
                await self.app(scope, receive, send)
                return
        else:
            await self.app(scope, receive, send)
            return

        async def send_private(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                for name, _ in headers:
                    if name.lower() == b"cache-control":
                        break
                else:
                    message["headers"] = [*headers, *PRIVATE]
            await send(message)

        await self.app(scope, receive, send_private)
