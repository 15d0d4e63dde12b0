"""Who the client is, for the per-client limits: the peer, or the client a trusted proxy names.

uvicorn's own proxy handling takes X-Forwarded-For's entry verbatim, address or not; this takes only a
valid IP address, and keys IPv4 clients of a dual-stack socket (::ffff:a.b.c.d) as the IPv4 they are.
"""

from __future__ import annotations

import ipaddress

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from domain.trail import SessionOrigin
from entrypoints.http.device import device_label

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def ip_or_none(text: str) -> IPAddress | None:
    """An address as proxies write it: bare, '[v6]' or '[v6]:port', or 'v4:port'; None if it is none."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class ForwardedFor:
    """Takes the client from X-Forwarded-For when the peer is a trusted proxy: the right-most address no
    trusted proxy holds. Anything there that is not an IP address leaves the peer as the client."""

    def __init__(self, app: ASGIApp, trusted: list[Network] | None) -> None:
        self.app = app
        self.trusted = trusted  # None: every peer

    def _trusts(self, address: IPAddress | None) -> bool:
        if address is None:
            return False
        return self.trusted is None or any(address in network for network in self.trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("client") and (self.trusted is None or self.trusted):
            peer = ip_or_none(scope["client"][0])
            # Every line of the header, in order, as one list: a proxy may add a line of its own (HAProxy
            # does) rather than append to the client's, and the client's own line must not be the one read.
            lines = [
                value.decode("latin-1") for name, value in scope["headers"] if name == b"x-forwarded-for"
            ]
            if lines and self._trusts(peer):
                client = self._client(",".join(lines))
                if client is not None:
                    scope = {**scope, "client": (str(client), 0)}
        await self.app(scope, receive, send)

    def _client(self, header: str) -> IPAddress | None:
        hops = [ip_or_none(entry) for entry in header.split(",")[-32:]]
        for hop in reversed(hops):
            if hop is None:
                return None  # not an address: a client's own word, or a broken proxy
            if not self._trusts(hop):
                return hop
        return hops[0] if hops else None  # every hop is a proxy of ours: the first one is the client


def client_key(request: Request) -> str:
    """The client's address for limits; IPv6 by its /64, which one subscriber usually holds whole."""
    host = request.client.host if request.client else ""
    address = ip_or_none(host)
    if address is None:
        return host[:64] or "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def session_origin(request: Request) -> SessionOrigin:
    """Where a session is opened, for its owner's list: the client's whole address and its device."""
    host = request.client.host if request.client else ""
    address = ip_or_none(host)
    return SessionOrigin(
        ip=str(address) if address else "", device=device_label(request.headers.get("user-agent"))
    )
