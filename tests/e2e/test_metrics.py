"""Prometheus metrics: requests by route (never by path), emails sent, the outbox's backlog."""

import asyncio

import httpx

from entrypoints.http.app import create_app
from tests.e2e.conftest import Service
from tests.settings import OPERATOR, service_settings


async def test_metrics_count_requests_by_route_and_emails_by_outcome(service: Service) -> None:
    await service.signup("ada@example.com")
    link = await service.link_in_email(1)
    await service.client.get(link)
    for _ in range(100):  # the server has the email a moment before the worker records it as sent
        text = (await service.client.get("/metrics", headers=OPERATOR)).text
        if "accounts_outbox_pending 0.0" in text:
            break
        await asyncio.sleep(0.02)

    assert 'accounts_http_requests_total{method="POST",route="/api/v1/auth/signup",status="201"} 1.0' in text
    assert 'route="/api/v1/auth/verify/{token}"' in text and link.rsplit("/", 1)[1] not in text
    assert 'accounts_emails_total{outcome="sent"} 1.0' in text
    assert "accounts_outbox_pending 0.0" in text and "accounts_outbox_oldest_pending_age_seconds 0.0" in text


async def test_operator_data_is_for_operators_only(service: Service) -> None:
    assert (await service.client.get("/metrics")).status_code == 404
    wrong = {"Authorization": "Bearer " + "x" * 40}
    assert (await service.client.get("/metrics", headers=wrong)).status_code == 404
    assert (await service.client.head("/metrics")).status_code == 404  # by no method
    assert (await service.client.get("/health/live")).json() == {"status": "ok"}
    assert (await service.client.get("/health/ready")).json() == {"status": "ok", "database": "ok"}
    assert "pid" in (await service.client.get("/health/live", headers=OPERATOR)).json()
    assert "outbox" in (await service.client.get("/health/ready", headers=OPERATOR)).json()


async def test_invented_methods_share_one_label(sqlite_url: str) -> None:
    # In process: httptools refuses an invented method before the app sees it, h11 lets it through.
    app = create_app(service_settings(sqlite_url, 25, OUTBOX_WORKER_ENABLED=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        for method in ("FROB", "BLORT", "XYZZY"):
            await client.request(method, "/api/v1/auth/me")
        text = (await client.get("/metrics", headers=OPERATOR)).text
    assert 'method="other",route="/api/v1/auth/me",status="405"} 3.0' in text
    assert "FROB" not in text and "XYZZY" not in text
