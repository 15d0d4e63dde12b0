"""Webhooks over HTTP: where they may go (no loopback, private or link-local address: SSRF), and posting them
signed per the Standard Webhooks specification (the standardwebhooks package), with httpx."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from standardwebhooks import Webhook

from application.webhooks import ReceiverAnswer, WebhookDelivery, WebhookRefused, WebhookUnreachable
from domain.errors import InvalidWebhook

EXCERPT_BYTES = 1024  # of a receiver's answer, kept for the operator
MAX_URL_LENGTH = 2000


class PublicWebhookTargets:
    """https URLs whose host resolves to public addresses only; `allow_private` (tests, a private network)
    also allows plain http and any address."""

    def __init__(self, *, allow_private: bool = False) -> None:
        self._allow_private = allow_private

    async def check(self, url: str) -> None:
        if len(url) > MAX_URL_LENGTH or not url.isprintable() or any(ch.isspace() for ch in url):
            raise InvalidWebhook(why="the URL is too long or holds spaces or control characters")
        try:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise InvalidWebhook(why="the URL cannot be read") from None
        if parts.scheme not in (("https", "http") if self._allow_private else ("https",)):
            raise InvalidWebhook(why="the URL must start with https:// (WEBHOOK_ALLOW_PRIVATE=true also allows "
                                     "http://, outside production)")
        if not parts.hostname or parts.username is not None or parts.password is not None:
            raise InvalidWebhook(why="the URL must name a host, and no user or password")
        if self._allow_private:
            return
        for address in await _addresses(parts.hostname, port):
            if not _public(address):
                raise InvalidWebhook(why=f"its host {parts.hostname} is a loopback, private or link-local address, "
                                         "which only WEBHOOK_ALLOW_PRIVATE=true allows (never in production)")


async def _addresses(host: str, port: int) -> set[str]:
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise InvalidWebhook(why="its host name does not resolve") from None
    return {str(info[4][0]) for info in found}


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    return ip.is_global and not ip.is_multicast


class HttpxWebhookSender:
    """One connection pool for every receiver; no redirect is followed, and an answer must be complete within
    `timeout_seconds` (a receiver that trickles bytes is cut as one that never answers)."""

    def __init__(self, *, targets: PublicWebhookTargets, timeout_seconds: float,
                 user_agent: str = "Bookly-Accounts-Webhooks/1", tracer_provider: TracerProvider | None = None) -> None:
        self._targets = targets
        self._timeout = timeout_seconds
        self._user_agent = user_agent
        self._client = httpx.AsyncClient(timeout=timeout_seconds, follow_redirects=False, trust_env=False,
                                         limits=httpx.Limits(max_connections=200, max_keepalive_connections=50))
        if tracer_provider is not None:  # a span per POST, and the traceparent header for the receiver
            HTTPXClientInstrumentor.instrument_client(self._client, tracer_provider=tracer_provider)

    async def send(self, url: str, secret: str, delivery: WebhookDelivery) -> ReceiverAnswer:
        try:
            await self._targets.check(url)  # again: the name may resolve elsewhere now
        except InvalidWebhook as refusal:
            raise WebhookRefused(refusal.message) from None
        webhook_id, sent_at = f"msg_{delivery.event_id.hex}", datetime.now(UTC)  # the same id on every attempt
        headers = {"webhook-id": webhook_id, "webhook-timestamp": str(int(sent_at.timestamp())),
                   "webhook-signature": Webhook(secret).sign(webhook_id, sent_at, delivery.body),
                   "content-type": "application/json", "user-agent": self._user_agent}
        try:
            async with asyncio.timeout(self._timeout):
                async with self._client.stream("POST", url, content=delivery.body.encode(), headers=headers) as answer:
                    excerpt = await _first_bytes(answer)
        except (TimeoutError, httpx.TimeoutException):
            raise WebhookUnreachable(f"no answer within {self._timeout:g} s") from None
        except (httpx.HTTPError, OSError) as error:
            raise WebhookUnreachable(f"no answer: {type(error).__name__}") from None
        return ReceiverAnswer(status=answer.status_code, excerpt=excerpt.decode("utf-8", "replace"))

    async def close(self) -> None:
        await self._client.aclose()


async def _first_bytes(answer: httpx.Response) -> bytes:
    kept = b""
    async for chunk in answer.aiter_raw():
        kept += chunk
        if len(kept) >= EXCERPT_BYTES:
            break
    return kept[:EXCERPT_BYTES]
