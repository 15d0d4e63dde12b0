"""A webhook goes to the address that was checked, not to a second answer of the resolver (DNS rebinding):
a real receiver on loopback, a name the tests' resolver maps to 127.0.0.1, over http and over https."""

from __future__ import annotations

import ssl
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import httpx
import pytest

from adapters.webhook_http import HttpxWebhookSender, PublicWebhookTargets, _pinned_transport
from domain.webhooks import WebhookDelivery, WebhookUnreachable
from tests.smtp_server import self_signed_certificate
from tests.webhook_receiver import WebhookReceiver

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NAME = "receiver.test"  # .test never resolves in public DNS: only the tests' resolver knows it


class Rebinding:
    """Answers 127.0.0.1 the first time it is asked, then an address where nothing listens: as a rebinding
    attacker's DNS answers first what passes the check, then what they want reached."""

    def __init__(self, first: str = "127.0.0.1", later: str = "127.0.0.2") -> None:
        self.first, self.later, self.asked = first, later, []  # type: ignore[var-annotated]

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.asked.append((host, port))
        return [self.first if len(self.asked) == 1 else self.later]


def delivery() -> WebhookDelivery:
    return WebhookDelivery(
        uuid.uuid4(), uuid.uuid4(), "user.created", '{"type": "user.created"}', datetime.now(UTC)
    )


async def test_the_delivery_connects_to_the_address_resolved_once_and_checked() -> None:
    resolver = Rebinding()
    sender = HttpxWebhookSender(
        targets=PublicWebhookTargets(allow_private=True, resolve=resolver), timeout_seconds=5
    )
    try:
        async with WebhookReceiver() as receiver:
            answer = await sender.send(f"http://{NAME}:{receiver.port}/hooks", SECRET, delivery())
            assert answer.status == 200 and len(receiver.received) == 1
            # One resolution for the delivery; the Host header still names the host, not the address.
            assert resolver.asked == [(NAME, receiver.port)]
            assert receiver.received[0].headers["host"] == f"{NAME}:{receiver.port}"
            receiver.received[0].verified(SECRET)

            # A new connection for the next delivery (a new pool: none kept alive) goes where that delivery's
            # own single resolution points (127.0.0.2, where nothing listens), never to a cached answer.
            await sender.close()
            sender = HttpxWebhookSender(
                targets=PublicWebhookTargets(allow_private=True, resolve=resolver), timeout_seconds=5
            )
            with pytest.raises(WebhookUnreachable):
                await sender.send(f"http://{NAME}:{receiver.port}/hooks", SECRET, delivery())
            assert len(resolver.asked) == 2 and len(receiver.received) == 1
    finally:
        await sender.close()


async def test_without_a_checked_address_the_transport_connects_nowhere() -> None:
    # Fail closed: the pool never falls back to resolving a name itself.
    async with (
        WebhookReceiver() as receiver,
        httpx.AsyncClient(transport=_pinned_transport(httpx.Limits(), None)) as client,
    ):
        with pytest.raises(httpx.ConnectError):
            await client.post(receiver.url, content=b"{}")
    assert receiver.received == []


@pytest.fixture(scope="module")
def certificate() -> tuple[str, str]:
    """A self-signed certificate for receiver.test alone (not for 127.0.0.1)."""
    cert, key = self_signed_certificate(NAME, f"DNS:{NAME}")
    return str(cert), str(key)


async def test_over_https_the_name_is_sent_as_sni_and_the_certificate_checked_for_it(
    certificate: tuple[str, str],
) -> None:
    trusting = ssl.create_default_context(cafile=certificate[0])
    always_loopback = Rebinding(later="127.0.0.1")
    sender = HttpxWebhookSender(
        targets=PublicWebhookTargets(allow_private=True, resolve=always_loopback),
        timeout_seconds=5,
        ssl_context=trusting,
    )
    try:
        async with WebhookReceiver(tls=certificate) as receiver:
            answer = await sender.send(f"https://{NAME}:{receiver.port}/hooks", SECRET, delivery())
            assert answer.status == 200 and receiver.received[0].headers["host"] == f"{NAME}:{receiver.port}"
            # Another name at the same address: its certificate does not name it, so nothing is sent.
            with pytest.raises(WebhookUnreachable):
                await sender.send(f"https://other.test:{receiver.port}/hooks", SECRET, delivery())
            assert len(receiver.received) == 1
    finally:
        await sender.close()
