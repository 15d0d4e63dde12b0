"""Webhook URLs over HTTP: an IPv6 form of a private IPv4 address is refused as the address itself is."""

from __future__ import annotations

from tests.e2e.conftest import running_service
from tests.e2e.test_account_flow import verified_admin
from tests.smtp_server import SmtpTestServer

INWARD = [
    "https://[64:ff9b::a9fe:a9fe]/",
    "https://[64:ff9b:1::a00:1]/",
    "https://[2002:7f00:1::]/",
    "https://[::127.0.0.1]/",
    "https://[::ffff:0:a00:1]/",
    "https://[::ffff:169.254.169.254]/",
    "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",
    "https://[fec0::1]/",
]


async def test_the_api_refuses_every_url_that_leads_to_a_private_address(
    pg_url: str, smtp_server: SmtpTestServer
) -> None:
    async with running_service(pg_url, smtp_server) as service:
        admin = await verified_admin(service)
        for url in INWARD:
            added = await service.client.post(
                "/api/v1/webhooks", headers=admin, json={"url": url, "events": ["user.created"]}
            )
            assert added.status_code == 422, (url, added.text)
        assert (await service.client.get("/api/v1/webhooks", headers=admin)).json()["items"] == []
