"""The service end to end, in process, on PostgreSQL and SQLite, delivering to a real SMTP server."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.message import EmailMessage

import httpx
import pytest
import uvicorn
from asgi_lifespan import LifespanManager
from dependency_injector import providers
from fastapi import FastAPI

from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from tests.fakes import ShiftedClock
from tests.settings import service_settings
from tests.smtp_server import SmtpTestServer

# The tests' client is an API client, as Bookly's are: it asks for JSON by name, so the emailed links answer
# it as they always did; a test of a browser or a mail scanner sends its own Accept.
API_CLIENT = {"Accept": "application/json"}
LINK = re.compile(r"https?://\S+?/api/v1/auth/[\w-]+/[\w.-]+")


CODE = re.compile(r"(?<![\w-])\d{6}(?![\w-])")


def link_in(message: EmailMessage) -> str:
    return LINK.findall(message.get_body(("plain",)).get_content())[0]


def code_in(message: EmailMessage) -> str:
    """The email's code: the one six-digit number in its text part, and the same in its HTML part."""
    [code] = CODE.findall(message.get_body(("plain",)).get_content())
    assert CODE.findall(message.get_body(("html",)).get_content()) == [code]
    return code


@dataclass
class Service:
    client: httpx.AsyncClient
    smtp: SmtpTestServer
    clock: ShiftedClock
    settings: Settings
    container: Container | None = None
    app: FastAPI | None = None  # its routes, for a test that walks them

    async def link_in_email(self, count: int) -> str:
        """The link in the `count`-th email received, read from the SMTP server."""
        return link_in(await self.email(count))

    async def code_in_email(self, count: int) -> str:
        return code_in(await self.email(count))

    async def email(self, count: int) -> EmailMessage:
        return (await self.smtp.wait_for(count))[count - 1]

    async def signup(
        self, email: str, password: str = "correct horse battery", **extra: str
    ) -> httpx.Response:
        return await self.client.post(
            "/api/v1/auth/signup", json={"email": email, "password": password, **extra}
        )

    async def login(self, email: str, password: str = "correct horse battery") -> httpx.Response:
        return await self.client.post("/api/v1/auth/login", json={"email": email, "password": password})


@asynccontextmanager
async def running_service(
    database_url: str, smtp: SmtpTestServer, tracer_provider: object = None, **overrides: object
) -> AsyncIterator[Service]:
    """The app in process (httpx's ASGI transport, its lifespan run as a server runs it), with a clock the
    test can move on. Only what needs a socket (a browser) serves it over one: `serving_over_http`.
    `tracer_provider`: traces go there, as to a collector when OTEL_EXPORTER_OTLP_ENDPOINT is set."""
    settings = service_settings(database_url, smtp.port, DOMAIN="accounts.example.com", **overrides)
    container = build_container(settings)
    if tracer_provider is not None:
        container.tracer_provider.override(providers.Object(tracer_provider))
    clock = ShiftedClock()
    with container.clock.override(clock):
        app = create_app(settings, container)
        # The worker finishes the message in hand at shutdown, which may wait for a slow SMTP server.
        async with LifespanManager(app, startup_timeout=30, shutdown_timeout=60) as manager:
            transport = httpx.ASGITransport(app=manager.app, client=("127.0.0.1", 50_000))
            async with httpx.AsyncClient(
                transport=transport, base_url=f"http://{settings.DOMAIN}", headers=API_CLIENT
            ) as client:
                yield Service(client, smtp, clock, settings, container, app)


@asynccontextmanager
async def serving_over_http(
    database_url: str, smtp: SmtpTestServer, **overrides: object
) -> AsyncIterator[Service]:
    """The app under uvicorn on a free loopback port, for a client that needs a real URL (a browser)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    settings = service_settings(database_url, smtp.port, DOMAIN=f"127.0.0.1:{port}", **overrides)
    container = build_container(settings)
    clock = ShiftedClock()
    with container.clock.override(clock):
        app = create_app(settings, container)
        server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_level="warning", proxy_headers=False))
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        try:
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}", timeout=30, headers=API_CLIENT
            ) as client:
                yield Service(client, smtp, clock, settings, container)
        finally:
            server.should_exit = True
            await task
            sock.close()


@pytest.fixture
async def service(database_url: str, smtp_server: SmtpTestServer) -> AsyncIterator[Service]:
    """On PostgreSQL, and on the embedded SQLite default."""
    async with running_service(database_url, smtp_server) as service:
        yield service
