"""Operator data (metrics, the outbox's backlog, process ids) is for operators only.

It is served on a listener of its own (METRICS_LISTEN, off the public port), or to whoever presents
METRICS_TOKEN as a bearer token; with neither, /metrics is 404 and health checks say only their status.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from entrypoints.http.errors import error_response

OPERATOR_PATHS = frozenset({"/metrics", "/health/live", "/health/ready"})


class OperatorAccess:
    def __init__(self, token: str | None, listener_port: int | None) -> None:
        self._token = f"Bearer {token}".encode() if token else None
        self.listener_port = listener_port

    def on_listener(self, scope: Scope) -> bool:
        server = scope.get("server")
        return self.listener_port is not None and server is not None and server[1] == self.listener_port

    def allows(self, request: Request) -> bool:
        return self.allows_scope(request.scope)

    def allows_scope(self, scope: Scope) -> bool:
        if self.on_listener(scope):
            return True
        offered = next((value for name, value in scope["headers"] if name == b"authorization"), b"")
        return self._token is not None and hmac.compare_digest(offered, self._token)


class OperatorListener:
    """On the operators' listener, only the operator endpoints answer; the API is not served there. And for
    anyone but an operator /metrics does not exist, by any method."""

    def __init__(self, app: ASGIApp, access: OperatorAccess) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if self.access.on_listener(scope) and scope["path"] not in OPERATOR_PATHS:
                await error_response(
                    404, "Not Found", "not_found", "This listener serves /metrics and /health only."
                )(scope, receive, send)
                return
            if scope["path"] == "/metrics" and not self.access.allows_scope(scope):
                await error_response(404, "Not Found", "not_found", "Check the URL.")(scope, receive, send)
                return
        await self.app(scope, receive, send)
