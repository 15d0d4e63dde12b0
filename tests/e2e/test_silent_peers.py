"""A peer that takes the connection and then says nothing, neither a greeting nor an answer: an SMTP server
or a webhook receiver. Each is cut at its timeout, and everything else is delivered meanwhile."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import select

from adapters.sqlalchemy.tables import outbox_messages
from tests.e2e.conftest import Service, running_service
from tests.e2e.test_webhooks import WEBHOOKS, delivery_rows, subscribe
from tests.smtp_server import SmtpTestServer
from tests.webhook_receiver import WebhookReceiver


@asynccontextmanager
async def silent_port() -> AsyncIterator[int]:
    """A port that accepts connections, reads what comes, and never writes a byte."""

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1]


async def emails(service: Service) -> list[dict]:
    assert service.container is not None
    async with service.container.engine().connect() as connection:
        return [dict(row) for row in (await connection.execute(select(outbox_messages))).mappings()]


async def test_a_silent_smtp_server_is_cut_at_its_timeout_and_webhooks_go_on(pg_url: str) -> None:
    smtp = SmtpTestServer()  # not started: the silent port stands in for it
    async with silent_port() as port, WebhookReceiver() as receiver:
        smtp.port = port
        async with running_service(pg_url, smtp, MAIL_TIMEOUT_SECONDS=1, **WEBHOOKS) as service:
            await subscribe(service, receiver, ["user.created"])
            started = time.monotonic()
            assert (await service.signup("ada@example.com")).status_code == 201
            await receiver.wait_for(1)
            assert time.monotonic() - started < 1, "the event did not wait for the mail server"
            deadline = time.monotonic() + 10
            while not (rows := await emails(service)) or not rows[0]["last_error"]:
                assert time.monotonic() < deadline, "the attempt was never cut"
                await asyncio.sleep(0.1)
            [row] = rows
            assert row["status"] == "pending" and row["attempts"] >= 1  # to be tried again, later
            assert "did not answer within 1 s" in row["last_error"]


async def test_a_silent_webhook_receiver_is_cut_at_its_timeout_and_the_rest_go_on(
    pg_url: str, smtp_server: SmtpTestServer
) -> None:
    async with (
        silent_port() as port,
        WebhookReceiver() as healthy,
        running_service(pg_url, smtp_server, **WEBHOOKS) as service,
    ):
        silent_url = f"http://127.0.0.1:{port}/hooks"
        assert service.container is not None
        await service.container.add_webhook().execute(silent_url, ["user.created"])
        await subscribe(service, healthy, ["user.created"])
        started = time.monotonic()
        for n in range(3):
            await service.signup(f"user{n}@example.com")
        await service.email(3)
        await healthy.wait_for(3)
        assert time.monotonic() - started < 1.5, (
            "neither emails nor the other receiver waited for the silent one"
        )
        deadline = time.monotonic() + 10
        while "no answer within 2 s" not in {
            row["last_error"] for row in await delivery_rows(service, silent_url)
        }:
            assert time.monotonic() < deadline, "the silent receiver's delivery was never cut"
            await asyncio.sleep(0.1)
