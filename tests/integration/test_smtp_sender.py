"""SmtpMailSender against a real SMTP server, under the Bookly settings combinations."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime

import pytest

from adapters.mail.smtp import SmtpConfig, SmtpMailSender
from domain.mail import DeliveryError, EmailContent, OutboxMessage
from tests.smtp_server import free_port

LINK = "http://localhost:8000/api/v1/auth/verify/abc.def"


def config(port: int, **changes: object) -> SmtpConfig:
    plain = SmtpConfig(
        host="127.0.0.1",
        port=port,
        username="",
        password="",
        use_credentials=False,
        start_tls=False,
        ssl_tls=False,
        validate_certs=True,
        timeout=5,
        sender_address="noreply@bookly.test",
        sender_name="Bookly Accounts",
    )
    return dataclasses.replace(plain, **changes)


def tls_login(port: int, password: str = "secret-pass", validate_certs: bool = False) -> SmtpConfig:
    return config(
        port,
        start_tls=True,
        validate_certs=validate_certs,
        use_credentials=True,
        username="mailer",
        password=password,
    )


def message(recipient: str = "reader@example.com") -> OutboxMessage:
    content = EmailContent(
        subject="Confirm your email address",
        text_body=f"Open {LINK}\n",
        html_body=f'<p><a href="{LINK}">Confirm</a></p>\n',
    )
    return OutboxMessage(recipient=recipient, content=content, created_at=datetime.now(UTC))


@pytest.fixture
async def senders():
    made: list[SmtpMailSender] = []

    def make(config: SmtpConfig) -> SmtpMailSender:
        made.append(SmtpMailSender(config))
        return made[-1]

    yield make
    for sender in made:
        await sender.close()


async def test_the_recipient_sees_both_parts_the_sender_and_the_message_id(smtp_server, senders):
    # USE_CREDENTIALS off: the username is ignored, else this server (no AUTH) would fail the login.
    sender = senders(config(smtp_server.port, username="mailer", password="unused"))
    sent = message()

    await sender.send(sent)

    [received] = await smtp_server.wait_for(1)
    assert received["From"] == "Bookly Accounts <noreply@bookly.test>"
    assert received["To"] == "reader@example.com"
    assert received["Message-ID"] == sent.message_id
    assert LINK in received.get_body(("plain",)).get_content()
    assert LINK in received.get_body(("html",)).get_content()


async def test_starttls_and_login_deliver(smtp_tls_server, senders):
    await senders(tls_login(smtp_tls_server.port)).send(message())

    assert len(await smtp_tls_server.wait_for(1)) == 1


async def test_an_untrusted_certificate_is_refused_with_a_hint(smtp_tls_server, senders):
    sender = senders(tls_login(smtp_tls_server.port, validate_certs=True))

    with pytest.raises(DeliveryError) as caught:
        await sender.send(message())

    assert "VALIDATE_CERTS" in str(caught.value) and "certificate" in str(caught.value)
    assert not caught.value.permanent


async def test_without_starttls_a_server_that_requires_it_refuses_with_a_hint(smtp_tls_server, senders):
    with pytest.raises(DeliveryError) as caught:
        await senders(config(smtp_tls_server.port)).send(message())

    assert "530" in str(caught.value) and "MAIL_STARTTLS" in str(caught.value)
    assert not caught.value.permanent


async def test_a_wrong_password_is_reported_without_the_password(smtp_tls_server, senders):
    sender = senders(tls_login(smtp_tls_server.port, password="wrong-Pa55word"))

    with pytest.raises(DeliveryError) as caught:
        await sender.send(message())

    text = str(caught.value)
    assert f"SMTP server 127.0.0.1:{smtp_tls_server.port} refused the login for user 'mailer'" in text
    assert "MAIL_PASSWORD" in text and "wrong-Pa55word" not in text
    assert not caught.value.permanent


async def test_a_closed_port_is_reported_with_the_settings_to_check(senders):
    port = free_port()

    with pytest.raises(DeliveryError) as caught:
        await senders(config(port)).send(message())

    assert str(caught.value) == (
        f"could not connect to SMTP server 127.0.0.1:{port}: connection refused; "
        "check MAIL_SERVER and MAIL_PORT"
    )
    assert not caught.value.permanent


async def test_a_server_that_never_answers_times_out(senders):
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up
        writer.close()

    async with await asyncio.start_server(silent, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        with pytest.raises(DeliveryError) as caught:
            await senders(config(port, timeout=0.5)).send(message())

    assert f"SMTP server 127.0.0.1:{port} did not answer within 0.5 s" in str(caught.value)
    assert not caught.value.permanent


@pytest.mark.parametrize(
    ("reply", "command", "permanent"),
    [
        ("451 4.3.0 try later", "RCPT", False),
        ("550 5.1.1 no such user", "RCPT", True),
        ("452 4.3.1 out of storage", "DATA", False),
        ("554 5.6.0 content rejected", "DATA", True),
    ],
)
async def test_a_refusal_is_permanent_only_for_a_5xx(smtp_server, senders, reply, command, permanent):
    sender = senders(config(smtp_server.port))
    smtp_server.fail_next(1, reply, command)

    with pytest.raises(DeliveryError) as caught:
        await sender.send(message())
    await sender.send(message())

    assert reply in str(caught.value)
    assert caught.value.permanent is permanent
    assert len(await smtp_server.wait_for(1)) == 1
    assert smtp_server.connections == 2  # the failed connection was dropped


async def test_one_connection_carries_a_batch_and_survives_a_server_side_drop(smtp_server, senders):
    sender = senders(config(smtp_server.port))

    for _ in range(3):
        await sender.send(message())
    assert smtp_server.connections == 1

    smtp_server.drop_connections()
    await sender.send(message())

    assert len(await smtp_server.wait_for(4)) == 4
    assert smtp_server.connections == 2
