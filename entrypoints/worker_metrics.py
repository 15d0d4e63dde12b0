"""`accounts worker`'s own /metrics, on WORKER_METRICS_LISTEN: the emails it sent are counted in its process,
and no API process can report them.

As on the API's METRICS_LISTEN, whoever reaches this listener is an operator: it serves only /metrics and
/health/live, and is meant for loopback or a private network. A small asyncio server rather than uvicorn:
uvicorn would take over SIGTERM, which the worker needs to finish the email in hand.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Callable

from prometheus_client import CONTENT_TYPE_LATEST

from application.mail.outbox_status import OutboxStatus
from application.ports.clock import Clock
from application.shared.errors import StorageError
from entrypoints.http.metrics_registry import Metrics

logger = logging.getLogger("accounts.worker")
HEAD_BYTES = 16 * 1024
HEAD_SECONDS = 3.0  # a scraper that sends no request in this long is let go
CONNECTIONS = 32  # at once; more are closed unanswered, so idle sockets cannot take the worker's descriptors
READING_SECONDS = 2.0  # the backlog's reading; past it, the counters go out with the gauges last read


class CannotListen(Exception):
    """The address is taken, or not this machine's."""


class WorkerMetricsListener:
    def __init__(
        self, *, host: str, port: int, metrics: Metrics, status: Callable[[], OutboxStatus], clock: Clock
    ) -> None:
        self._host, self._port = host, port
        self._metrics = metrics
        self._status = status
        self._clock = clock
        self._server: asyncio.Server | None = None
        self._open = asyncio.Semaphore(CONNECTIONS)
        self._reading: asyncio.Task[None] | None = None  # one backlog read at a time, shared by the scrapes

    async def start(self) -> str:
        """Listens, and returns the address it listens on (the port the system gave for port 0)."""
        try:
            self._server = await asyncio.start_server(self._answer, self._host, self._port, limit=HEAD_BYTES)
        except OSError as error:
            raise CannotListen(
                f"WORKER_METRICS_LISTEN {self._host}:{self._port}: {error.strerror or error}"
            ) from None
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._open.locked():
            writer.close()  # full: the SMTP, webhook and database sockets share the process's descriptors
            return
        async with self._open:
            await self._serve(reader, writer)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(HEAD_SECONDS):
                head = await reader.readuntil(b"\r\n\r\n")
            method, target = [*head.split(b"\r\n", 1)[0].split(b" "), b"", b""][:2]
            status, content_type, body = await self._page(method, target.split(b"?", 1)[0])
            writer.write(
                b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                % (status, _REASONS[status], content_type.encode(), len(body))
            )
            if method != b"HEAD":
                writer.write(body)
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass  # a scraper that went away or never asked: nothing to answer
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _page(self, method: bytes, path: bytes) -> tuple[int, str, bytes]:
        if method not in (b"GET", b"HEAD"):
            return _error(405, "Method Not Allowed", "method_not_allowed", "Use GET.")
        if path == b"/metrics":
            # Scrapes at once share one read, so no caller can tie up the delivery loop's database.
            if self._reading is None or self._reading.done():
                self._reading = asyncio.create_task(self._read_backlog())
            await asyncio.shield(self._reading)
            return 200, CONTENT_TYPE_LATEST, self._metrics.exposition()
        if path == b"/health/live":
            return 200, "application/json", json.dumps({"status": "ok", "pid": os.getpid()}).encode()
        return _error(404, "Not Found", "not_found", "This listener serves /metrics and /health/live only.")

    async def _read_backlog(self) -> None:
        try:
            async with asyncio.timeout(READING_SECONDS):
                self._metrics.record_backlog(
                    await self._status().execute(count_sent=False), self._clock.now()
                )
        except (StorageError, TimeoutError) as error:
            logger.warning("worker metrics: the backlog could not be read (%r); counters served alone", error)


_REASONS = {200: b"OK", 404: b"Not Found", 405: b"Method Not Allowed"}


def _error(status: int, message: str, code: str, resolution: str) -> tuple[int, str, bytes]:
    body = {"message": message, "error_code": code, "resolution": resolution}
    return status, "application/json", json.dumps(body).encode()
