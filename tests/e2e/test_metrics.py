"""Prometheus metrics: requests by route (never by path), emails sent, the outbox's backlog."""

from tests.e2e.conftest import Service


async def test_metrics_count_requests_by_route_and_emails_by_outcome(service: Service) -> None:
    await service.signup("ada@example.com")
    link = await service.link_in_email(1)
    await service.client.get(link)
    text = (await service.client.get("/metrics")).text

    assert 'accounts_http_requests_total{method="POST",route="/api/v1/auth/signup",status="201"} 1.0' in text
    assert 'route="/api/v1/auth/verify/{token}"' in text and link.rsplit("/", 1)[1] not in text
    assert 'accounts_emails_total{outcome="sent"} 1.0' in text
    assert "accounts_outbox_pending 0.0" in text and "accounts_outbox_oldest_pending_age_seconds 0.0" in text
