"""A webhook receiver on loopback: a real HTTP server (uvicorn) that keeps what it was sent, and answers as
the test tells it (any status, or never)."""

from __future__ import annotations

import asyncio
import json
import socket
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from standardwebhooks import Webhook


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)

    def verified(self, secret: str) -> dict[str, Any]:
        """The body, once its signature checks out with the standardwebhooks package (it raises otherwise)."""
        return Webhook(secret).verify(self.body, self.headers)


@dataclass
class WebhookReceiver:
    status: int = 200
    hang: bool = False  # accept the request and never answer
    delay_seconds: float = 0.0
    received: list[Received] = field(default_factory=list)
    port: int = field(default_factory=lambda: _free_port())
    tls: tuple[str, str] | None = None  # a certificate and its key: the receiver answers https
    _server: uvicorn.Server | None = None
    _task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}/hooks"

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.received.append(Received({k.decode(): v.decode() for k, v in scope["headers"]}, body))
        await asyncio.sleep(self.delay_seconds)
        if self.hang:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                return  # the server is stopping

        await send(
            {
                "type": "http.response.start",
                "status": self.status,
                "headers": [(b"content-type", b"text/plain")],
            }
        )
        await send({"type": "http.response.body", "body": b"noted " * 400})  # more than the KiB kept

    async def start(self) -> None:
        self._server = uvicorn.Server(
            uvicorn.Config(
                self,
                host="127.0.0.1",
                port=self.port,
                log_level="error",
                lifespan="off",
                timeout_graceful_shutdown=0.2,
                ssl_certfile=self.tls[0] if self.tls else None,
                ssl_keyfile=self.tls[1] if self.tls else None,
            )
        )
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            self._server.force_exit = True
            await self._task
            self._server = self._task = None

    async def __aenter__(self) -> WebhookReceiver:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def of_type(self, kind: str) -> list[Received]:
        return [r for r in self.received if r.event["type"] == kind]

    async def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        async with asyncio.timeout(timeout):
            while len(self.received) < count:
                await asyncio.sleep(0.02)
        return self.received


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
