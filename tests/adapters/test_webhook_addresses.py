"""Where a webhook may go: every IPv4 address an IPv6 address leads to is unwrapped and judged as itself."""

from __future__ import annotations

import pytest

from adapters.webhook_http import PublicWebhookTargets, _public
from domain.errors import InvalidWebhook

# Each leads to a loopback, private, link-local, shared or metadata address, or is private by itself.
INWARD = {
    "NAT64 to the metadata service": "64:ff9b::a9fe:a9fe",
    "NAT64 to loopback": "64:ff9b::7f00:1",
    "NAT64 to 10/8": "64:ff9b::a00:1",
    "local-use NAT64 /48": "64:ff9b:1::a9fe:a9fe",
    "local-use NAT64, a public IPv4": "64:ff9b:1::5db8:d70e",
    "6to4 of loopback": "2002:7f00:1::1",
    "6to4 of 192.168/16": "2002:c0a8:101::1",
    "6to4 of the metadata service": "2002:a9fe:a9fe::",
    "IPv4-compatible loopback": "::127.0.0.1",
    "IPv4-compatible 10/8": "::10.1.2.3",
    "IPv4-mapped loopback": "::ffff:127.0.0.1",
    "IPv4-mapped 172.16/12": "::ffff:172.16.0.1",
    "IPv4-mapped metadata": "::ffff:169.254.169.254",
    "SIIT loopback": "::ffff:0:127.0.0.1",
    "SIIT 192.168/16": "::ffff:0:c0a8:101",
    "Teredo, private server": "2001:0:a00:1::f7f7:f7f7",  # server 10.0.0.1, client 8.8.8.8
    "Teredo, client obfuscated to loopback": "2001:0:4136:e378:8000:63bf:80ff:fffe",  # client 127.0.0.1
    "Teredo, client obfuscated to metadata": "2001:0:4136:e378:8000:63bf:5601:5601",  # client 169.254.169.254
    "site-local": "fec0::1",
    "site-local, far end": "feff:ffff::1",
    "IPv6 loopback": "::1",
    "unspecified": "::",
    "unique local": "fd00::1",
    "link-local with a zone": "fe80::1%eth0",
    "documentation (RFC 9637)": "3fff::1",
    "multicast": "ff02::1",
    "IPv4 loopback": "127.0.0.1",
    "IPv4 shared address space": "100.64.0.1",
    "IPv4 metadata": "169.254.169.254",
    "IPv4 multicast": "224.0.0.1",
}
# The same forms leading to a public IPv4 address are public: NAT64 from an IPv6-only network is legitimate.
OUTWARD = {
    "public IPv4": "93.184.215.14",
    "public IPv6": "2606:4700::1111",
    "NAT64 to a public IPv4": "64:ff9b::5db8:d70e",
    "IPv4-mapped public": "::ffff:93.184.215.14",
    "6to4 of a public IPv4": "2002:5db8:d70e::1",
    "Teredo, both ends public": "2001:0:4136:e378:8000:63bf:a247:28f1",
}


@pytest.mark.parametrize("address", INWARD.values(), ids=INWARD.keys())
def test_an_address_that_leads_inward_is_not_public(address: str) -> None:
    assert not _public(address)


@pytest.mark.parametrize("address", OUTWARD.values(), ids=OUTWARD.keys())
def test_an_address_that_leads_to_a_public_one_is_public(address: str) -> None:
    assert _public(address)


@pytest.mark.parametrize(
    "address",
    [a for a in INWARD.values() if ":" in a and "%" not in a],
    ids=[k for k, a in INWARD.items() if ":" in a and "%" not in a],
)
async def test_a_url_naming_such_an_address_is_refused(address: str) -> None:
    with pytest.raises(InvalidWebhook):
        await PublicWebhookTargets().check(f"https://[{address}]/hooks")


async def test_a_name_is_refused_when_any_of_its_addresses_leads_inward() -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return ["93.184.215.14", "64:ff9b::a9fe:a9fe"]

    with pytest.raises(InvalidWebhook):
        await PublicWebhookTargets(resolve=resolve).check("https://hooks.example.com/")


async def test_the_checked_addresses_are_the_ones_pinned() -> None:
    async def resolve(host: str, port: int) -> list[str]:
        assert (host, port) == ("xn--bcher-kva.example", 8443)  # the name as httpx sends it
        return ["93.184.215.14", "2606:4700::1111"]

    pinned = await PublicWebhookTargets(resolve=resolve).pin("https://Bücher.example:8443/hooks")
    assert (pinned.host, pinned.port, pinned.addresses) == (
        "xn--bcher-kva.example",
        8443,
        ("93.184.215.14", "2606:4700::1111"),
    )
