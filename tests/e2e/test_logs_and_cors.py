"""No token reaches a log line, and browsers from other origins get no access unless named."""

import logging

import httpx

from entrypoints.http.app import create_app
from tests.settings import service_settings

TOKEN = "eyJzdWIiOiI0MiJ9.aBcDeF.c2lnbmF0dXJl"


def test_the_access_log_masks_the_token_of_an_emailed_link() -> None:
    create_app(service_settings("sqlite+aiosqlite:///:memory:", 25))
    access = logging.getLogger("uvicorn.access")
    for path in (f"/api/v1/auth/verify/{TOKEN}", f"/api/v1/auth/password-reset-confirm/{TOKEN}?next=1"):
        # The arguments are the ones uvicorn's access log passes: client, method, path, HTTP version, status.
        record = access.makeRecord(
            "uvicorn.access",
            logging.INFO,
            __file__,
            1,
            '%s - "%s %s HTTP/%s" %d',
            ("127.0.0.1:5000", "GET", path, "1.1", 200),
            None,
        )
        assert all(f.filter(record) for f in access.filters)
        line = record.getMessage()
        assert TOKEN not in line and "/api/v1/auth/" in line and "***" in line


async def cors_preflight(origins: str, origin: str) -> httpx.Response:
    app = create_app(
        service_settings(
            "sqlite+aiosqlite:///:memory:", 25, CORS_ORIGINS=origins, OUTBOX_WORKER_ENABLED=False
        )
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        return await client.options(
            "/api/v1/auth/login", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
        )


async def test_cors_answers_only_the_named_origins() -> None:
    allowed = await cors_preflight("https://app.example.com", "https://app.example.com")
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    assert allowed.headers["access-control-allow-credentials"] == "true"
    other = await cors_preflight("https://app.example.com", "https://evil.example.net")
    assert "access-control-allow-origin" not in other.headers
    default = await cors_preflight("", "https://app.example.com")
    assert "access-control-allow-origin" not in default.headers
