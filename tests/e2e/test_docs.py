"""/docs and /openapi.json: served from the service itself (no CDN), under a strict policy, and off at
will."""

from __future__ import annotations

import re

import pytest

from entrypoints.http.app import create_app
from tests.e2e.conftest import Service, running_service
from tests.settings import service_settings
from tests.smtp_server import SmtpTestServer


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_the_reference_pages_load_only_what_the_service_serves(service: Service, path: str) -> None:
    page = await service.client.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "default-src 'none'" in policy and "unsafe-eval" not in policy
    loaded = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(loaded) >= 3 and all(url.startswith(("/docs/", "/redoc/")) for url in loaded), loaded
    assert "<script>" not in page.text  # no inline script: the policy would refuse it
    for url in loaded:
        asset = await service.client.get(url)
        assert asset.status_code == 200 and asset.content, url
    init = (await service.client.get(f"{path}/init.js")).text
    assert '"/openapi.json"' in init


async def test_docs_enabled_false_takes_away_the_page_the_assets_and_the_document(
    database_url: str, smtp_server: SmtpTestServer
) -> None:
    async with running_service(database_url, smtp_server, DOCS_ENABLED=False) as service:
        for path in (
            "/docs",
            "/docs/swagger-ui.css",
            "/docs/init.js",
            "/redoc",
            "/redoc/redoc.standalone.js",
            "/openapi.json",
        ):
            assert (await service.client.get(path)).status_code == 404, path
        assert (await service.client.get("/health/live")).status_code == 200


def test_fastapis_own_cdn_pages_are_never_mounted() -> None:
    app = create_app(service_settings("sqlite+aiosqlite:///:memory:", 25))
    assert app.redoc_url is None and app.docs_url is None and app.openapi_url == "/openapi.json"
