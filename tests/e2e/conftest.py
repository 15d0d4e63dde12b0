"""The service over real HTTP (uvicorn on loopback), on PostgreSQL, delivering to a real SMTP server."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
import uvicorn

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.fakes import FakeClock
from tests.smtp_server import SmtpTestServer

LINK = re.compile(r"https?://\S+?/api/v1/auth/[\w-]+/[\w.-]+")


@dataclass
class Service:
    client: httpx.AsyncClient
    smtp: SmtpTestServer
    clock: FakeClock
    settings: Settings

    async def link_in_email(self, count: int) -> str:
        """The link in the `count`-th email received, read from the SMTP server."""
        message = (await self.smtp.wait_for(count))[count - 1]
        text = message.get_body(("plain",)).get_content()
        return LINK.findall(text)[0]

    async def signup(self, email: str, password: str = "correct horse battery", **extra: str) -> httpx.Response:
        return await self.client.post("/api/v1/auth/signup", json={"email": email, "password": password, **extra})

    async def login(self, email: str, password: str = "correct horse battery") -> httpx.Response:
        return await self.client.post("/api/v1/auth/login", json={"email": email, "password": password})


def e2e_settings(database_url: str, smtp_port: int, http_port: int, **overrides: object) -> Settings:
    values: dict[str, object] = dict(
        ENVIRONMENT="test", DATABASE_URL=database_url, JWT_SECRET="e2e-secret-" + "x" * 40,
        DOMAIN=f"127.0.0.1:{http_port}", MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port,
        MAIL_STARTTLS=False, USE_CREDENTIALS=False, OUTBOX_POLL_SECONDS=0.05, OUTBOX_FIRST_RETRY_SECONDS=0.2,
        # Cheaper hashes keep the suite quick; the parameters themselves are tested in integration.
        PASSWORD_HASH_MEMORY_KIB=1024, PASSWORD_HASH_TIME_COST=1)
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture
async def service(pg_url: str, smtp_server: SmtpTestServer) -> AsyncIterator[Service]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    settings = e2e_settings(pg_url, smtp_server.port, port)
    container = build_container(settings)
    clock = FakeClock(datetime.now(UTC))
    with container.clock.override(clock):
        app = create_app(settings, container)
        server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_level="warning"))
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield Service(client, smtp_server, clock, settings)
        server.should_exit = True
        await task
    sock.close()
