"""The client a limit counts: the peer, or the one address a trusted proxy names."""

import ipaddress

import pytest
from starlette.requests import Request

from entrypoints.http.client_address import ForwardedFor, client_key

PROXY = [ipaddress.ip_network("10.0.0.0/8")]


def key_of(host: str) -> str:
    return client_key(Request({"type": "http", "client": (host, 5000), "headers": []}))


def test_an_ipv4_client_of_a_dual_stack_socket_is_keyed_as_its_ipv4_address() -> None:
    assert key_of("::ffff:198.51.100.7") == "198.51.100.7"
    assert key_of("::ffff:198.51.100.7") != key_of("::ffff:198.51.100.8")


def test_ipv6_clients_are_grouped_by_their_64() -> None:
    assert key_of("2001:db8:1:2::1") == key_of("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert key_of("2001:db8:1:3::1") != key_of("2001:db8:1:2::1")


async def forwarded(peer: str, header: str | None, trusted=PROXY) -> str:  # type: ignore[no-untyped-def]
    seen = {}

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        seen["client"] = scope["client"][0]

    headers = [(b"x-forwarded-for", header.encode("latin-1"))] if header is not None else []
    await ForwardedFor(app, trusted)({"type": "http", "client": (peer, 5000), "headers": headers}, None, None)
    return seen["client"]


@pytest.mark.parametrize(
    "peer, header, client",
    [
        ("10.0.0.2", "198.51.100.1", "198.51.100.1"),
        ("10.0.0.2", "203.0.113.9, 198.51.100.1, 10.0.0.3", "198.51.100.1"),  # the right-most untrusted one
        ("10.0.0.2", "198.51.100.1:4711", "198.51.100.1"),
        ("10.0.0.2", "[2001:db8::1]:443", "2001:db8::1"),
        ("10.0.0.2", "not-an-address", "10.0.0.2"),  # no address: the peer counts
        ("10.0.0.2", "x" * 5000, "10.0.0.2"),
        ("10.0.0.2", "198.51.100.1, evil", "10.0.0.2"),
        ("10.0.0.2", "", "10.0.0.2"),
        ("192.0.2.50", "198.51.100.1", "192.0.2.50"),  # an untrusted peer's header is its own word
        ("10.0.0.2", None, "10.0.0.2"),
    ],
)
async def test_only_a_valid_address_named_by_a_trusted_proxy_is_the_client(
    peer: str, header: str | None, client: str
) -> None:
    assert await forwarded(peer, header) == client


async def test_by_default_no_proxy_is_trusted() -> None:
    assert await forwarded("127.0.0.1", "198.51.100.1", trusted=[]) == "127.0.0.1"


async def test_every_line_of_the_header_is_read_so_a_client_line_cannot_hide_the_proxys() -> None:
    seen = {}

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        seen["client"] = scope["client"][0]

    # The client sent its own line; a proxy that adds a line of its own (HAProxy) put the real address after
    # it.
    headers = [(b"x-forwarded-for", b"1.2.3.4"), (b"x-forwarded-for", b"198.51.100.9")]
    await ForwardedFor(app, PROXY)(
        {"type": "http", "client": ("10.0.0.2", 5000), "headers": headers}, None, None
    )
    assert seen["client"] == "198.51.100.9"
