"""Refuses request bodies over a size limit with 413, before they are read in full."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.http.errors import error_response


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        received, started, refused = 0, False, False

        async def counting_receive() -> Message:
            # A chunked body declares no length: count it as it comes, and stop it at the limit.
            nonlocal received, refused
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes and not started:
                refused = True
                await self._refuse(scope, receive, send)
                return {"type": "http.disconnect"}  # the app sees a client gone, and its answer is dropped
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not refused:
                raise

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            413,
            f"The request body is larger than {self.max_bytes} bytes.",
            "request_too_large",
            "Send a smaller request.",
            {"Connection": "close"},
        )
        await response(scope, receive, send)
