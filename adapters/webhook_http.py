"""Webhooks over HTTP: where they may go (no loopback, private or link-local address: SSRF), and posting them
signed per the Standard Webhooks specification (the standardwebhooks package), with httpx."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpcore
import httpx
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from standardwebhooks import Webhook

from domain.errors import InvalidWebhook
from domain.webhooks import ReceiverAnswer, WebhookDelivery, WebhookRefused, WebhookUnreachable

EXCERPT_BYTES = 1024  # of a receiver's answer, kept for the operator
MAX_URL_LENGTH = 2000


class PublicWebhookTargets:
    """https URLs whose host resolves to public addresses only; `allow_private` (tests, a private network)
    also allows plain http and any address. `resolve` names a host's addresses (getaddrinfo; tests give
    their own)."""

    def __init__(self, *, allow_private: bool = False, resolve: Resolver | None = None) -> None:
        self._allow_private = allow_private
        self._resolve = resolve or _getaddrinfo

    async def check(self, url: str) -> None:
        if self._allow_private:
            _host_and_port(url, self._allow_private)
        else:
            await self.pin(url)

    async def pin(self, url: str) -> CheckedTarget:
        """The URL's host resolved once and every address judged: a delivery connects to these and only
        these, so a name that resolves elsewhere a moment later (DNS rebinding) changes nothing."""
        host, port = _host_and_port(url, self._allow_private)
        addresses = await self._resolve(host, port)
        if not addresses:
            raise InvalidWebhook(why="its host name does not resolve")
        if not self._allow_private and not all(_public(address) for address in addresses):
            raise InvalidWebhook(
                why=f"its host {host} is a loopback, private or link-local address, "
                "which only WEBHOOK_ALLOW_PRIVATE=true allows (never in production)"
            )
        return CheckedTarget(host, port, tuple(addresses))


Resolver = Callable[[str, int], Awaitable[Sequence[str]]]


@dataclass(frozen=True, slots=True)
class CheckedTarget:
    host: str  # as httpcore names the origin: IDNA-encoded, lower case, an IPv6 literal without brackets
    port: int
    addresses: tuple[str, ...]  # every address the host resolved to, each one judged


def _host_and_port(url: str, allow_private: bool) -> tuple[str, int]:
    if len(url) > MAX_URL_LENGTH or not url.isprintable() or any(ch.isspace() for ch in url):
        raise InvalidWebhook(why="the URL is too long or holds spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        # The host as httpx will send it and httpcore will connect to it, so the pin names the same host.
        host = httpx.URL(url).raw_host.decode("ascii")
    except (ValueError, httpx.InvalidURL, UnicodeError):
        raise InvalidWebhook(why="the URL cannot be read") from None
    if parts.scheme not in (("https", "http") if allow_private else ("https",)):
        raise InvalidWebhook(
            why="the URL must start with https:// (WEBHOOK_ALLOW_PRIVATE=true also allows "
            "http://, outside production)"
        )
    if not parts.hostname or not host or parts.username is not None or parts.password is not None:
        raise InvalidWebhook(why="the URL must name a host, and no user or password")
    return host, port


async def _getaddrinfo(host: str, port: int) -> list[str]:
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise InvalidWebhook(why="its host name does not resolve") from None
    return list(dict.fromkeys(str(info[4][0]) for info in found))  # the resolver's order, each once


# IPv6 ranges that carry an IPv4 address in their last 32 bits: the packet ends up at that IPv4 address.
_LAST_32_BITS_IPV4 = [
    ipaddress.IPv6Network(net)
    for net in (
        "64:ff9b::/96",  # NAT64, the well-known prefix (RFC 6052)
        "::ffff:0:0:0/96",  # SIIT, IPv4-translated (RFC 2765)
        "::/96",  # IPv4-compatible (RFC 4291, deprecated); :: and ::1 fall in it and unwrap to 0.0.0.x
    )
]
# Not global, though Python 3.11's is_global says they are.
_NEVER_GLOBAL = [
    ipaddress.IPv6Network(net)
    for net in (
        "fec0::/10",  # site-local (RFC 3879): private by another name
        "64:ff9b:1::/48",  # local-use NAT64 (RFC 8215): translates into the operator's own network
        "3fff::/20",  # documentation (RFC 9637)
        "5f00::/16",  # SRv6 segment identifiers (RFC 9602)
    )
]


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """Every IPv4 address an IPv6 address leads to: mapped, 6to4, Teredo (server and client), NAT64, SIIT,
    IPv4-compatible."""
    found = [v4 for v4 in (ip.ipv4_mapped, ip.sixtofour) if v4 is not None]
    if ip.teredo is not None:
        found += ip.teredo  # the server, and the client with its obfuscation undone
    if any(ip in net for net in _LAST_32_BITS_IPV4):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF))
    return found


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in net for net in _NEVER_GLOBAL):
            return False
        # An address that leads to an IPv4 address is judged by where it leads: ::ffff:10.0.0.1 is private.
        embedded = _embedded_ipv4(ip)
        if embedded:
            return all(v4.is_global and not v4.is_multicast for v4 in embedded)
    return ip.is_global and not ip.is_multicast


# The addresses checked for the delivery under way in this task; the connection opens to them alone.
_CHECKED: ContextVar[CheckedTarget | None] = ContextVar("webhook_checked_target", default=None)


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting to the addresses the delivery checked instead of resolving
    the host again. Only the TCP connect changes: the URL, the Host header, TLS SNI and the certificate
    check still use the host's name. Without a checked target for the host, it connects nowhere.
    A connection kept alive from an earlier delivery to the same host and port may carry the next one: it
    was opened to an address that passed the same check, so no answer of the resolver ever opens a
    connection to an address that was not judged."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()  # httpcore's own for asyncio (AutoBackend is not public)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        target = _CHECKED.get()
        if target is None or (target.host, target.port) != (host, port):
            raise httpcore.ConnectError(f"no checked address for {host}:{port}")
        failure: Exception | None = None
        for address in target.addresses:  # each was checked; the next is tried as a resolver's caller would
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        assert failure is not None  # a CheckedTarget holds at least one address
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks go over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _pinned_transport(limits: httpx.Limits, ssl_context: ssl.SSLContext | None) -> httpx.AsyncHTTPTransport:
    """httpx's own transport (its TLS context, its error mapping), its connection pool on PinnedBackend."""
    ssl_context = ssl_context or httpx.create_ssl_context(trust_env=False)
    transport = httpx.AsyncHTTPTransport(verify=ssl_context, trust_env=False, limits=limits)
    # httpx takes no network backend; the pool it made is replaced by the same pool on ours (httpx 0.28's
    # AsyncHTTPTransport keeps it in _pool; tests/integration/test_webhook_pinning.py fails if that changes).
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=ssl_context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=PinnedBackend(),
    )
    return transport


class HttpxWebhookSender:
    """One connection pool for every receiver; no redirect is followed, and an answer must be complete within
    `timeout_seconds` (a receiver that trickles bytes is cut as one that never answers). `ssl_context`: the
    certificate authorities receivers are checked against (None: certifi's, as httpx's default)."""

    def __init__(
        self,
        *,
        targets: PublicWebhookTargets,
        timeout_seconds: float,
        user_agent: str = "Bookly-Accounts-Webhooks/1",
        tracer_provider: TracerProvider | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._targets = targets
        self._timeout = timeout_seconds
        self._user_agent = user_agent
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
        self._client = httpx.AsyncClient(
            timeout=timeout_seconds,
            follow_redirects=False,
            trust_env=False,
            transport=_pinned_transport(limits, ssl_context),
        )
        if tracer_provider is not None:  # a span per POST, and the traceparent header for the receiver
            HTTPXClientInstrumentor.instrument_client(self._client, tracer_provider=tracer_provider)

    async def send(self, url: str, secret: str, delivery: WebhookDelivery) -> ReceiverAnswer:
        try:
            # Resolved and judged again, once: the name may resolve elsewhere now. The connection goes to
            # what was judged here (PinnedBackend), never to a later answer of the resolver.
            target = await self._targets.pin(url)
        except InvalidWebhook as refusal:
            raise WebhookRefused(refusal.message) from None
        webhook_id, sent_at = (
            f"msg_{delivery.event_id.hex}",
            datetime.now(UTC),
        )  # the same id on every attempt
        headers = {
            "webhook-id": webhook_id,
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": Webhook(secret).sign(webhook_id, sent_at, delivery.body),
            "content-type": "application/json",
            "user-agent": self._user_agent,
        }
        pinned = _CHECKED.set(target)
        try:
            async with asyncio.timeout(self._timeout):
                async with self._client.stream(
                    "POST", url, content=delivery.body.encode(), headers=headers
                ) as answer:
                    excerpt = await _first_bytes(answer)
        except (TimeoutError, httpx.TimeoutException):
            raise WebhookUnreachable(f"no answer within {self._timeout:g} s") from None
        except (httpx.HTTPError, OSError) as error:
            raise WebhookUnreachable(f"no answer: {type(error).__name__}") from None
        finally:
            _CHECKED.reset(pinned)
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
