"""The flows against an attacker's moves: sessions that end, links that die, limits, and no enumeration."""

import asyncio
import statistics
import time
from datetime import timedelta

import pytest

from tests.e2e.conftest import Service, link_in, running_service
from tests.smtp_server import SmtpTestServer

PASSWORD = "correct horse battery"


async def verified_session(service: Service, email: str, emails_so_far: int = 0) -> dict:
    await service.signup(email)
    await service.client.get(await service.link_in_email(emails_so_far + 1))
    return (await service.login(email)).json()


def bearer(session: dict) -> dict:
    return {"Authorization": f"Bearer {session['access_token']}"}


async def test_changing_the_password_ends_every_other_session_and_older_reset_links(service: Service) -> None:
    old = await verified_session(service, "ada@example.com")
    await service.client.post("/api/v1/auth/password-reset-request", json={"email": "ada@example.com"})
    reset_link = await service.link_in_email(2)
    service.clock.advance(timedelta(seconds=1))

    wrong = await service.client.post(
        "/api/v1/auth/change-password",
        headers=bearer(old),
        json={"current_password": "not it at all", "new_password": "new secret words"},
    )
    assert wrong.status_code == 400 and wrong.json()["error_code"] == "invalid_password"
    changed = await service.client.post(
        "/api/v1/auth/change-password",
        headers=bearer(old),
        json={"current_password": PASSWORD, "new_password": "new secret words"},
    )
    assert changed.status_code == 200

    assert (await service.client.get("/api/v1/auth/me", headers=bearer(old))).status_code == 401
    assert (await service.client.get("/api/v1/auth/me", headers=bearer(changed.json()))).status_code == 200
    stale = await service.client.post("/api/v1/auth/refresh", json={"refresh_token": old["refresh_token"]})
    assert stale.status_code == 401
    body = {"new_password": "third secret words", "confirm_new_password": "third secret words"}
    assert (await service.client.post(reset_link, json=body)).json()["error_code"] == "invalid_token"


async def test_a_reset_ends_sessions_including_access_tokens_issued_before_it(service: Service) -> None:
    old = await verified_session(service, "bo@example.com")
    await service.client.post("/api/v1/auth/password-reset-request", json={"email": "bo@example.com"})
    link = await service.link_in_email(2)
    service.clock.advance(timedelta(seconds=1))
    body = {"new_password": "new secret words", "confirm_new_password": "new secret words"}
    assert (await service.client.post(link, json=body)).status_code == 200
    assert (await service.client.get("/api/v1/auth/me", headers=bearer(old))).status_code == 401


async def test_a_newer_reset_email_retires_the_older_link(service: Service) -> None:
    await service.signup("cy@example.com")
    for _ in range(2):
        await service.client.post("/api/v1/auth/password-reset-request", json={"email": "cy@example.com"})
    older, newer = await service.link_in_email(2), await service.link_in_email(3)
    body = {"new_password": "new secret words", "confirm_new_password": "new secret words"}
    assert (await service.client.post(older, json=body)).json()["error_code"] == "invalid_token"
    assert (await service.client.post(newer, json=body)).status_code == 200


async def test_changing_the_email_takes_effect_only_through_the_link_to_the_new_address(
    service: Service,
) -> None:
    session = await verified_session(service, "di@example.com")
    old_verification = await service.link_in_email(1)
    await service.client.post("/api/v1/auth/password-reset-request", json={"email": "di@example.com"})
    old_reset = await service.link_in_email(2)

    asked = await service.client.post(
        "/api/v1/auth/change-email",
        headers=bearer(session),
        json={"new_email": "Di.New@Example.com", "password": PASSWORD},
    )
    assert asked.status_code == 202
    messages = await service.smtp.wait_for(4)
    by_recipient = {m["To"]: m for m in messages[2:]}
    assert "di.new@example.com" in by_recipient["di@example.com"].get_body(("plain",)).get_content()
    assert (await service.login("di@example.com")).status_code == 200  # nothing changed yet

    confirm = link_in(by_recipient["di.new@example.com"])
    confirmed = await service.client.get(confirm)
    assert confirmed.status_code == 200 and confirmed.json()["user"]["email"] == "di.new@example.com"
    assert (await service.login("di.new@example.com")).status_code == 200
    assert (await service.login("di@example.com")).status_code == 401
    body = {"new_password": "new secret words", "confirm_new_password": "new secret words"}
    assert (await service.client.post(old_reset, json=body)).json()["error_code"] == "invalid_token"
    assert (await service.client.get(confirm)).json()["error_code"] == "invalid_token"
    assert (await service.client.get(old_verification)).json()["error_code"] == "invalid_token"


LIMITED = [
    ("/api/v1/auth/signup", "json", lambda n: {"email": f"u{n}@example.com", "password": PASSWORD}),
    ("/api/v1/auth/login", "json", lambda n: {"email": f"u{n}@example.com", "password": PASSWORD}),
    ("/api/v1/auth/password-reset-request", "json", lambda n: {"email": f"u{n}@example.com"}),
    ("/api/v1/auth/resend-verification", "json", lambda n: {"email": f"u{n}@example.com"}),
    ("/api/v1/auth/password-reset-request-form", "data", lambda n: {"email": f"u{n}@example.com"}),
    ("/api/v1/auth/resend-verification-form", "data", lambda n: {"email": f"u{n}@example.com"}),
]


@pytest.mark.parametrize("path, kind, body", LIMITED, ids=[path.rsplit("/", 1)[1] for path, _, _ in LIMITED])
async def test_too_many_requests_from_one_client_get_429_with_retry_after(
    pg_url: str, smtp_server: SmtpTestServer, path: str, kind: str, body
) -> None:  # type: ignore[no-untyped-def]
    async with running_service(pg_url, smtp_server, RATE_LIMIT_PER_IP_PER_MINUTE=3) as service:
        answers = [await service.client.post(path, **{kind: body(n)}) for n in range(4)]
        assert [a.status_code < 429 for a in answers] == [True, True, True, False]
        assert answers[-1].status_code == 429 and answers[-1].json()["error_code"] == "rate_limited"
        assert 1 <= int(answers[-1].headers["retry-after"]) <= 61


async def test_the_per_address_email_limit_is_silent(pg_url: str, smtp_server: SmtpTestServer) -> None:
    async with running_service(pg_url, smtp_server, EMAILS_PER_ADDRESS_PER_HOUR=2) as service:
        await service.signup("ed@example.com")
        answers = [
            await service.client.post("/api/v1/auth/password-reset-request", json={"email": "ed@example.com"})
            for _ in range(4)
        ]
        assert {a.status_code for a in answers} == {200} and len({a.text for a in answers}) == 1
        # The signup's verification email counts against no limit; then two resets, and silence.
        await smtp_server.wait_for(3)
        await asyncio.sleep(1)  # the worker has answered every request by now; a fourth would show
        assert len(smtp_server.messages) == 3


async def test_failed_logins_lock_the_account_for_a_while(pg_url: str, smtp_server: SmtpTestServer) -> None:
    async with running_service(pg_url, smtp_server, LOGIN_FAILURES_PER_ACCOUNT=3) as service:
        await service.signup("fi@example.com")
        answers = [await service.login("fi@example.com", "wrong words here") for _ in range(3)]
        assert {a.status_code for a in answers} == {401}
        locked = await service.login("fi@example.com")
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
        unknown = [await service.login("nobody@example.com", "wrong words here") for _ in range(4)]
        assert [a.status_code for a in unknown] == [401, 401, 401, 429]  # the same for an unknown address
        service.clock.advance(timedelta(minutes=15))
        assert (await service.login("fi@example.com")).status_code == 200


async def test_an_enumeration_safe_signup_answers_a_taken_address_like_a_new_one(
    pg_url: str, smtp_server: SmtpTestServer
) -> None:
    async with running_service(pg_url, smtp_server, SIGNUP_REVEALS_EXISTING_ACCOUNTS=False) as service:
        first = await service.signup("gu@example.com")
        second = await service.signup("gu@example.com", password="other words here")
        assert first.status_code == second.status_code == 201
        assert set(first.json()["user"]) == set(second.json()["user"])
        messages = await service.smtp.wait_for(2)
        assert "already has an account" in messages[1].get_body(("plain",)).get_content()
        # Logging in cannot tell either: an unverified account answers as a wrong password does.
        assert (await service.login("gu@example.com")).status_code == 401
        assert (await service.login("gu@example.com", "other words here")).status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/auth/password-reset-request", "/api/v1/auth/resend-verification"])
async def test_known_and_unknown_addresses_take_the_same_time(
    database_url: str, smtp_server: SmtpTestServer, path: str
) -> None:
    # The request's own work is measured: the worker that answers it later runs apart, as in DEPLOYMENT.md
    # (in this one process, on SQLite, its write would hold up the next request now and then).
    async with running_service(database_url, smtp_server, OUTBOX_WORKER_ENABLED=False) as service:
        await _compare_timings(service, path)


async def _compare_timings(service: Service, path: str) -> None:
    await service.signup("ha@example.com")
    timings: dict[str, list[float]] = {"ha@example.com": [], "nobody@example.com": []}
    for _ in range(30):
        for address in timings:
            started = time.perf_counter()
            response = await service.client.post(path, json={"email": address})
            timings[address].append(time.perf_counter() - started)
            assert response.status_code in (200, 202)
    known, unknown = (statistics.median(t) for t in timings.values())
    # The same work on both paths (one insert); the ratio allows for a shared, noisy machine.
    assert 0.67 < known / unknown < 1.5, (known, unknown)


async def test_confirming_a_change_to_an_address_taken_meanwhile_is_a_conflict(service: Service) -> None:
    session = await verified_session(service, "ada@example.com")
    await service.client.post(
        "/api/v1/auth/change-email",
        headers=bearer(session),
        json={"new_email": "wanted@example.com", "password": PASSWORD},
    )
    messages = await service.smtp.wait_for(3)
    confirm = link_in(next(m for m in messages if m["To"] == "wanted@example.com"))
    assert (await service.signup("wanted@example.com")).status_code == 201  # someone else takes it first

    conflict = await service.client.get(confirm)
    assert conflict.status_code == 409 and conflict.json()["error_code"] == "user_exists"
    assert (await service.login("ada@example.com")).status_code == 200  # both accounts as they were
    assert (await service.login("wanted@example.com")).status_code == 200


async def test_answers_that_carry_tokens_are_kept_by_no_cache(service: Service) -> None:
    session = await verified_session(service, "ada@example.com")
    login = await service.login("ada@example.com")
    refreshed = await service.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]}
    )
    changed = await service.client.post(
        "/api/v1/auth/change-password",
        headers=bearer(login.json()),
        json={"current_password": PASSWORD, "new_password": "new secret words"},
    )
    for answer in (login, refreshed, changed):
        assert answer.status_code == 200
        assert (answer.headers["cache-control"], answer.headers["pragma"]) == ("no-store", "no-cache")
