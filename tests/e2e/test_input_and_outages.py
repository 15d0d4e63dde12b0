"""What a client sees for malformed input, oversized bodies, and a database that is away."""

import httpx

from entrypoints.http.app import create_app
from tests.e2e.conftest import Service, running_service
from tests.settings import service_settings
from tests.smtp_server import SmtpTestServer

SIGNUP = "/api/v1/auth/signup"


async def test_a_body_over_the_limit_is_refused_with_413(service: Service) -> None:
    huge = {"email": "ada@example.com", "password": "x" * (service.settings.MAX_BODY_BYTES + 1)}
    declared = await service.client.post(SIGNUP, json=huge)
    assert declared.status_code == 413 and declared.json()["error_code"] == "request_too_large"


async def test_a_chunked_body_is_stopped_at_the_limit() -> None:
    # In process: over TCP the server closes the connection on the rest of the body, racing the client.
    settings = service_settings("sqlite+aiosqlite:///:memory:", 25, OUTBOX_WORKER_ENABLED=False)
    read = 0

    async def chunks():  # type: ignore[no-untyped-def]
        nonlocal read
        for _ in range(1000):
            read += 1024
            yield b"x" * 1024

    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post(SIGNUP, content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.json()["error_code"] == "request_too_large"
    assert read <= settings.MAX_BODY_BYTES + 2048


async def test_bad_json_and_the_wrong_content_type_say_what_is_wrong(service: Service) -> None:
    broken = await service.client.post(
        SIGNUP, content=b'{"email": ', headers={"content-type": "application/json"}
    )
    assert broken.status_code == 400 and broken.json()["message"] == "The body is not valid JSON."
    assert broken.json()["error_code"] == "malformed_request"
    as_text = await service.client.post(
        SIGNUP, content=b'{"email": "a@example.com"}', headers={"content-type": "text/plain"}
    )
    assert as_text.status_code == 422 and "Content-Type: application/json" in as_text.json()["message"]


async def test_a_password_past_the_policy_bound_names_the_rule(service: Service) -> None:
    response = await service.signup("ada@example.com", password="p" * 300)
    assert response.status_code == 422 and response.json()["error_code"] == "weak_password"
    assert "128" in response.json()["message"]


async def test_the_users_list_answers_with_and_without_the_trailing_slash(service: Service) -> None:
    for path in ("/api/v1/users", "/api/v1/users/"):
        assert (await service.client.get(path)).status_code == 401


async def test_a_database_that_is_away_gives_503_not_500() -> None:
    nowhere = "postgresql+asyncpg://postgres@127.0.0.1:9/none"  # the discard port: nothing listens
    async with running_service(nowhere, SmtpTestServer()) as service:
        signup = await service.signup("ada@example.com")
        ready = await service.client.get("/health/ready")
    assert signup.status_code == 503 and signup.json()["error_code"] == "service_unavailable"
    assert signup.headers["retry-after"] and ready.status_code == 503


async def test_the_openapi_document_and_docs_are_served(service: Service) -> None:
    schema = (await service.client.get("/openapi.json")).json()
    assert "/api/v1/auth/signup" in schema["paths"] and "/api/v1/users" in schema["paths"]
    assert (await service.client.get("/docs")).status_code == 200
    assert isinstance(service.client, httpx.AsyncClient)


async def test_a_common_password_is_refused_with_the_rule_named(service: Service) -> None:
    response = await service.signup("ada@example.com", password="iloveyou1")
    assert response.status_code == 422 and response.json()["error_code"] == "weak_password"
    assert "common" in response.json()["message"]


async def test_a_bad_token_of_any_length_is_an_invalid_token(service: Service) -> None:
    for token in ("x", "x" * 5000, "a.b.c" * 1000):
        for answer in (
            await service.client.get(f"/api/v1/auth/verify/{token}"),
            await service.client.get(f"/api/v1/auth/confirm-email/{token}"),
            await service.client.post(
                f"/api/v1/auth/password-reset-confirm/{token}",
                json={"new_password": "a brand new secret", "confirm_new_password": "a brand new secret"},
            ),
        ):
            assert answer.status_code == 400 and answer.json()["error_code"] == "invalid_token", answer.text
    refresh = await service.client.post("/api/v1/auth/refresh", json={"refresh_token": "r" * 5000})
    assert refresh.status_code == 401 and refresh.json()["error_code"] == "not_authenticated"
