"""uvicorn's HTTP protocols with the bounds they lack: header size, time to send the headers, time to
send the body. Without them a client holds a connection (and its memory) for as long as it likes:
19.5 MB of headers, a request half sent for minutes, a body trickled a byte at a time.

The bounds live in the protocol because that is where the bytes arrive: headers are read before the ASGI
app is called, so no middleware can see them coming.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

LINGER_SECONDS = 1.0


@dataclass(frozen=True)
class RequestBounds:
    max_header_bytes: int = 16 * 1024
    header_seconds: float = 10.0  # from the request's first byte to the end of its headers
    body_seconds: float = 30.0  # from the end of the headers to the end of the body
    body_chunk_seconds: float = 10.0  # between two pieces of the body


def _refusal(status: int, reason: bytes, message: str, code: str) -> bytes:
    body = json.dumps(
        {
            "message": message,
            "error_code": code,
            "resolution": "Send the whole request promptly, with headers of a usual size.",
        }
    ).encode()
    return (
        b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n"
        % (status, reason, len(body))
        + body
    )


class GuardedRequests:
    """Mixed into a uvicorn protocol class; `bounds` is set on the class made by `guarded()`."""

    bounds: RequestBounds
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    cycle: Any

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)  # type: ignore[misc]
        self._guard_timer: asyncio.TimerHandle | None = None
        self._awaiting_headers = False
        self._cycle_before: Any = None  # the request before the one whose headers are awaited
        self._header_bytes = 0
        self._body_deadline = 0.0
        self._refused = False
        self._tail = b""
        self._await_headers()  # a connection that never sends a byte is cut too

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timer()
        super().connection_lost(exc)  # type: ignore[misc]

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # what a refused client still sends is read and dropped, so that it can read the refusal
        if not self._awaiting_headers and self._between_requests():
            self._await_headers()
        if self._awaiting_headers and self._headers_too_large(data):
            self._refuse(
                431,
                b"Request Header Fields Too Large",
                f"The request headers are larger than {self.bounds.max_header_bytes} bytes.",
                "request_header_too_large",
            )
            return
        super().data_received(data)  # type: ignore[misc]
        if self.transport.is_closing():
            return
        if self._awaiting_headers and self.cycle is not self._cycle_before:  # the parser made the request
            self._awaiting_headers = False
            self._cancel_timer()
            self._body_deadline = self.loop.time() + self.bounds.body_seconds
        if not self._awaiting_headers and self.cycle is not None and self.cycle.more_body:
            # Re-armed at each piece of the body, never past the deadline of the whole body.
            self._arm(
                min(self.bounds.body_chunk_seconds, self._body_deadline - self.loop.time()),
                "The request body did not arrive in time.",
            )
        elif not self._awaiting_headers:
            self._cancel_timer()

    def _headers_too_large(self, data: bytes) -> bool:
        """Counted before the parser sees the bytes, up to the blank line that ends the headers, whether they
        come in one read or in many."""
        seen = self._tail + data
        ends = [end for end in (seen.find(b"\r\n\r\n"), seen.find(b"\n\n")) if end >= 0]
        if ends:
            size = self._header_bytes + min(ends) - len(self._tail)
        else:
            self._header_bytes += len(data)
            size = self._header_bytes
        self._tail = seen[-3:]
        return size > self.bounds.max_header_bytes

    def _between_requests(self) -> bool:
        return self.cycle is None or (self.cycle.response_complete and not self.cycle.more_body)

    def _await_headers(self) -> None:
        self._awaiting_headers = True
        self._cycle_before = self.cycle
        self._header_bytes = 0
        self._tail = b""
        self._arm(self.bounds.header_seconds, "The request headers did not arrive in time.")

    def _arm(self, seconds: float, message: str) -> None:
        self._cancel_timer()
        self._guard_timer = self.loop.call_later(max(seconds, 0.0), self._timed_out, message)

    def _cancel_timer(self) -> None:
        timer = getattr(self, "_guard_timer", None)
        if timer is not None:
            timer.cancel()
            self._guard_timer = None

    def _timed_out(self, message: str) -> None:
        self._guard_timer = None
        started = not self._awaiting_headers and self.cycle is not None and self.cycle.response_started
        if self._awaiting_headers and self._header_bytes == 0 and not self._tail:
            # Not a byte of a request yet: closed without a word, as an idle keep-alive connection is. A 408
            # written there would be read as the answer to the request a client (a browser's or a pool's
            # spare connection) sends on it next.
            self.transport.close()
        elif not started:
            self._refuse(408, b"Request Timeout", message, "request_timeout")
        elif not self.transport.is_closing():
            self.transport.close()

    def _refuse(self, status: int, reason: bytes, message: str, code: str) -> None:
        self._cancel_timer()
        if self.transport.is_closing():
            return
        self.transport.write(_refusal(status, reason, message, code))
        if self.transport.can_write_eof():
            # Closed at once, a socket with unread data sends a reset, which can destroy the answer before
            # the client reads it: end the writing side, drop what still comes, and close a moment later.
            self._refused = True
            self.transport.write_eof()
            self.loop.call_later(LINGER_SECONDS, self.transport.close)
        else:
            self.transport.close()
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True  # the app, if it waits for the body, hears that the client is gone
            self.cycle.message_event.set()


def guarded(protocol: str, bounds: RequestBounds) -> type:
    """The uvicorn protocol class for SERVER_HTTP ('auto' is httptools, which is installed)."""
    base = H11Protocol if protocol == "h11" else HttpToolsProtocol
    return type(f"Guarded{base.__name__}", (GuardedRequests, base), {"bounds": bounds})
