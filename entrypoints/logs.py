"""Logging for the service: one line per record, plain or JSON, each with the request id it belongs to.

Every handler masks the tokens of emailed links, whichever logger wrote the line.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid

from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.http.log_masking import MaskTokens

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
ACCEPTED_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdFilter(logging.Filter):
    """The request id, and the trace id when a span is in progress (tracing on)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        span = trace.get_current_span().get_span_context()
        trace_id = format(span.trace_id, "032x") if span.is_valid else None
        record.trace_id = trace_id
        record.in_trace = f" trace={trace_id}" if span.is_valid else ""
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": None if (found := getattr(record, "request_id", "-")) == "-" else found,
        }
        if trace_id := getattr(record, "trace_id", None):
            line["trace_id"] = trace_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(json_lines: bool) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(MaskTokens())
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        JsonFormatter()
        if json_lines
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s%(in_trace)s] %(message)s")
    )
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # a line per plugin, every run
    # A line per webhook POST, with the receiver's URL, whose path may be a secret of the receiver's.
    logging.getLogger("httpx").setLevel(logging.WARNING)


class RequestIdMiddleware:
    """Gives each request an id (the caller's X-Request-ID when it is sane), for its log lines and its
    answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        current = offered if ACCEPTED_REQUEST_ID.match(offered) else uuid.uuid4().hex
        token = request_id.set(current)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-request-id", current.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)
