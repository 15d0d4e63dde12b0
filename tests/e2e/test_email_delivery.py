"""No request waits for SMTP, and no email is lost while the SMTP server is away."""

import asyncio
from collections import Counter

import httpx

from tests.e2e.conftest import running_service
from tests.settings import OPERATOR
from tests.smtp_server import SmtpTestServer


async def sign_up_many(client: httpx.AsyncClient, count: int) -> list[httpx.Response]:
    return await asyncio.gather(
        *(
            client.post(
                "/api/v1/auth/signup", json={"email": f"reader{n}@example.com", "password": "correct horse"}
            )
            for n in range(count)
        )
    )


async def test_fifty_signups_while_smtp_is_down_all_get_their_email_once_it_is_back(pg_url: str) -> None:
    smtp = SmtpTestServer()  # its port is chosen, but nothing listens there yet
    async with running_service(pg_url, smtp) as service:
        responses = await sign_up_many(service.client, 50)
        assert [r.status_code for r in responses] == [201] * 50

        # Each sign-up's request becomes its email in the outbox as the worker answers it.
        async with asyncio.timeout(10):
            while (await service.client.get("/health/ready", headers=OPERATOR)).json()["outbox"][
                "pending"
            ] < 50:
                await asyncio.sleep(0.1)
        await asyncio.sleep(0.3)
        assert (await service.client.get("/health/ready", headers=OPERATOR)).json()["outbox"]["pending"] == 50

        with smtp:
            messages = await smtp.wait_for(50, timeout=30)
            await asyncio.sleep(0.5)  # room for a duplicate to show, were there one
            counts = Counter(m["To"] for m in smtp.messages)
        assert len(messages) == 50 and len(counts) == 50 and set(counts.values()) == {1}
        assert (await service.client.get("/health/ready", headers=OPERATOR)).json()["outbox"]["pending"] == 0


async def test_a_signup_does_not_wait_for_a_server_that_never_answers(pg_url: str) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # accepts the connection and never greets

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    smtp = SmtpTestServer()
    smtp.port = server.sockets[0].getsockname()[1]
    async with server, running_service(pg_url, smtp, MAIL_TIMEOUT_SECONDS=6) as service:
        # Had the request waited for SMTP, it would wait the 6 s of MAIL_TIMEOUT_SECONDS and time out here.
        async with asyncio.timeout(3):
            response = await service.client.post(
                "/api/v1/auth/signup", json={"email": "ada@example.com", "password": "correct horse"}
            )
        assert response.status_code == 201
