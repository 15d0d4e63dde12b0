"""Second factors end to end on PostgreSQL and SQLite, with pyotp computing the codes as an app does."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import EmailMessage

import httpx
import pyotp
import pytest

from entrypoints.container import build_container, close_container
from tests.e2e.conftest import Service, code_in, link_in, running_service
from tests.smtp_server import SmtpTestServer

ADA, PASSWORD = "ada@example.com", "correct horse battery"
SECOND_FACTOR = "/api/v1/auth/login/second-factor"


def bearer(session: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {session['access_token']}"}


def amr(session: dict) -> list[str]:
    """The access token's amr claim, read without checking the signature (the service checks it)."""
    payload = session["access_token"].split(".")[1]
    return list(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["amr"])


def code(service: Service, secret: str, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(service.clock.now(), counter_offset=steps)


async def emailed(service: Service, subject: str) -> EmailMessage:
    """The newest email whose subject has `subject`, waiting for it."""
    for _ in range(200):
        found = [m for m in service.smtp.messages if subject in str(m["Subject"])]
        if found:
            service.smtp.messages.remove(found[-1])  # taken: the next wait is for a new one
            return found[-1]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no email about {subject!r}: {[str(m['Subject']) for m in service.smtp.messages]}")


async def verified(service: Service, email: str = ADA) -> dict:
    await service.signup(email)
    await service.client.get(await service.link_in_email(1))
    response = await service.login(email)
    assert response.status_code == 200, response.text
    return response.json()


async def enrol(service: Service, session: dict) -> tuple[str, list[str]]:
    started = await service.client.post("/api/v1/auth/mfa/totp", headers=bearer(session))
    assert started.status_code == 201, started.text
    body = started.json()
    assert body["otpauth_uri"].startswith("otpauth://totp/") and "issuer=" in body["otpauth_uri"]
    assert body["qr_svg"].lstrip().startswith("<svg")
    assert pyotp.parse_uri(body["otpauth_uri"]).secret == body["secret"]
    confirmed = await service.client.post(
        "/api/v1/auth/mfa/totp/confirm", headers=bearer(session), json={"code": code(service, body["secret"])}
    )
    assert confirmed.status_code == 200, confirmed.text
    codes = confirmed.json()["recovery_codes"]
    assert len(codes) == 10
    service.clock.advance(timedelta(seconds=30))  # the confirming code's step is spent
    return body["secret"], codes


async def mfa_token(service: Service) -> str:
    response = await service.login(ADA)
    body = response.json()
    assert response.status_code == 200 and body["mfa_required"] is True, response.text
    assert body["methods"] == ["totp", "recovery_code"] and "access_token" not in body
    return str(body["mfa_token"])


async def test_enrol_confirm_and_sign_in_with_each_method(service: Service) -> None:
    session = await verified(service)
    assert (await service.client.get("/api/v1/auth/mfa", headers=bearer(session))).json() == {
        "totp": False,
        "passkeys": 0,
        "recovery_codes_left": 0,
    }
    secret, codes = await enrol(service, session)
    stale = await service.client.post("/api/v1/auth/mfa/totp", headers=bearer(session))
    assert stale.status_code == 401  # the enrolling session proved no second factor

    token = await mfa_token(service)
    wrong = await service.client.post(SECOND_FACTOR, json={"mfa_token": token, "totp_code": "000000"})
    assert wrong.status_code == 400 and wrong.json()["error_code"] == "invalid_code"
    right = await service.client.post(
        SECOND_FACTOR, json={"mfa_token": token, "totp_code": code(service, secret)}
    )
    assert right.status_code == 200, right.text
    signed_in = right.json()
    assert signed_in["access_token"] and signed_in["refresh_token"]
    assert amr(signed_in) == ["mfa", "otp", "pwd"] and amr(session) == ["pwd"]
    again = await service.client.post("/api/v1/auth/mfa/totp", headers=bearer(signed_in))
    assert again.status_code == 409 and again.json()["error_code"] == "totp_already_enabled"
    spent = await service.client.post(
        SECOND_FACTOR, json={"mfa_token": token, "totp_code": code(service, secret)}
    )
    assert spent.status_code == 400 and spent.json()["error_code"] == "invalid_token"

    # the same code again, on a new sign-in: refused
    replay = await service.client.post(
        SECOND_FACTOR, json={"mfa_token": await mfa_token(service), "totp_code": code(service, secret)}
    )
    assert replay.status_code == 400 and replay.json()["error_code"] == "invalid_code"

    # a recovery code works once
    first = await service.client.post(
        SECOND_FACTOR, json={"mfa_token": await mfa_token(service), "recovery_code": codes[0]}
    )
    assert first.status_code == 200, first.text
    assert amr(first.json()) == ["kba", "mfa", "pwd"]
    twice = await service.client.post(
        SECOND_FACTOR, json={"mfa_token": await mfa_token(service), "recovery_code": codes[0]}
    )
    assert twice.status_code == 400
    factors = await service.client.get("/api/v1/auth/mfa", headers=bearer(signed_in))
    assert factors.json() == {"totp": True, "passkeys": 0, "recovery_codes_left": 9}

    # the export lists the factor, and no secret
    exported = await service.client.get("/api/v1/auth/me/export", headers=bearer(signed_in))
    assert [f["type"] for f in exported.json()["factors"]] == ["totp"]
    assert secret not in exported.text and not any(c in exported.text for c in codes)

    # a session with the factor may turn it off; then a password is enough again
    new_codes = await service.client.post("/api/v1/auth/mfa/recovery-codes", headers=bearer(signed_in))
    assert new_codes.status_code == 200 and len(new_codes.json()["recovery_codes"]) == 10
    off = await service.client.delete("/api/v1/auth/mfa/totp", headers=bearer(signed_in))
    assert off.status_code == 204
    assert "access_token" in (await service.login(ADA)).json()


async def test_the_enrolling_session_is_not_promoted_and_the_others_end(service: Service) -> None:
    session = await verified(service)
    other = (await service.login(ADA)).json()
    await enrol(service, session)
    refused = await service.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": other["refresh_token"]}
    )
    assert refused.status_code == 401
    # the enrolling token proved the password only: turning the factor off asks for it
    off = await service.client.delete("/api/v1/auth/mfa/totp", headers=bearer(session))
    assert off.status_code == 401 and off.json()["error_code"] == "reauthentication_required"


async def test_reset_and_emailed_sign_ins_stop_at_the_factor(service: Service) -> None:
    session = await verified(service)
    await enrol(service, session)
    assert "Two-step sign-in was turned on" in str((await emailed(service, "Two-step sign-in"))["Subject"])

    new = {"new_password": "new staple battery", "confirm_new_password": "new staple battery"}
    await service.client.post("/api/v1/auth/password-reset-request", json={"email": ADA})
    reset_code = code_in(await emailed(service, "Reset your"))
    reset = await service.client.post(
        "/api/v1/auth/password-reset-confirm-code", json={"email": ADA, "code": reset_code, **new}
    )
    assert reset.status_code == 200, reset.text
    assert "access_token" not in reset.text
    after_reset = (await service.login(ADA, "new staple battery")).json()
    assert after_reset["mfa_required"] is True

    # and by link: a reset link, then an emailed sign-in link and code
    await service.client.post("/api/v1/auth/password-reset-request", json={"email": ADA})
    link = link_in(await emailed(service, "Reset your"))
    token = link.rsplit("/", 1)[1]
    by_link = await service.client.post(
        f"/api/v1/auth/password-reset-confirm/{token}",
        json={"new_password": "other staple battery", "confirm_new_password": "other staple battery"},
    )
    assert by_link.status_code == 200 and "access_token" not in by_link.text, by_link.text
    assert (await service.login(ADA, "other staple battery")).json()["mfa_required"] is True

    await service.client.post("/api/v1/auth/login-code/request", json={"email": ADA})
    sign_in_email = await emailed(service, "sign-in code")
    by_code = await service.client.post(
        "/api/v1/auth/login-code", json={"email": ADA, "code": code_in(sign_in_email)}
    )
    assert by_code.status_code == 200 and by_code.json()["mfa_required"] is True, by_code.text


async def post_raw(
    service: Service, path: str, body: object, headers: dict[str, str] | None = None
) -> httpx.Response:
    # json.dumps escapes a lone surrogate ("\\udcff"), as a hostile client sends it; httpx would refuse it.
    sent = {"Content-Type": "application/json", **(headers or {})}
    return await service.client.post(path, content=json.dumps(body), headers=sent)


async def test_what_is_not_a_code_is_refused_with_4xx(service: Service) -> None:
    await verified(service)
    for body in (
        {"mfa_token": "x" * 5000, "totp_code": "123456"},
        {"mfa_token": "\udcff", "totp_code": "123456"},
        {"mfa_token": "abc", "totp_code": 123456},
        {"mfa_token": "abc", "totp_code": "1" * 5000},
        {"mfa_token": "abc", "recovery_code": "\ud800"},
        {"mfa_token": "abc"},
        {"mfa_token": "abc", "totp_code": "123456", "recovery_code": "X"},
        {"mfa_token": ["abc"], "totp_code": "123456"},
        {"mfa_token": "abc", "passkey": {"id": "x"}},
        {"mfa_token": "abc", "totp_code": "123456"},
    ):
        response = await post_raw(service, SECOND_FACTOR, body)
        assert 400 <= response.status_code < 500, (body, response.text)
    session = (await service.login(ADA)).json()
    for sent in ({"code": "\udcff"}, {"code": "9" * 5000}, {"code": 12}, {}):
        response = await post_raw(service, "/api/v1/auth/mfa/totp/confirm", sent, bearer(session))
        assert 400 <= response.status_code < 500, (sent, response.text)


async def test_an_admin_removes_the_factors_of_someone_who_lost_them(service: Service) -> None:
    from application.admin.create_admin import NewAdmin

    session = await verified(service)
    await enrol(service, session)
    admin_container = build_container(service.settings)
    try:
        await admin_container.create_admin().execute(NewAdmin("root@example.com", "admin password 1"))
    finally:
        await close_container(admin_container)
    admin = (await service.login("root@example.com", "admin password 1")).json()
    reset = await service.client.delete(f"/api/v1/users/{session['user']['id']}/mfa", headers=bearer(admin))
    assert reset.status_code == 204, reset.text
    assert "access_token" in (await service.login(ADA)).json()
    trail = await service.client.get(f"/api/v1/users/{session['user']['id']}/events", headers=bearer(admin))
    entry = next(e for e in trail.json()["items"] if e["type"] == "mfa_reset")
    assert entry


@pytest.fixture
async def pg_service(pg_url: str, smtp_server: SmtpTestServer) -> AsyncIterator[Service]:
    async with running_service(pg_url, smtp_server, LOGIN_FAILURES_PER_ACCOUNT=100) as service:
        yield service


@pytest.mark.postgres
async def test_ten_concurrent_submissions_of_one_code_give_one_success(pg_service: Service) -> None:
    service = pg_service
    session = await verified(service)
    secret, _ = await enrol(service, session)
    tokens = [await mfa_token(service) for _ in range(10)]
    the_code = code(service, secret)

    async def submit(token: str) -> httpx.Response:
        return await service.client.post(SECOND_FACTOR, json={"mfa_token": token, "totp_code": the_code})

    answers = await asyncio.gather(*(submit(t) for t in tokens))
    assert sorted(a.status_code for a in answers) == [200] + [400] * 9, [a.text for a in answers]


@pytest.mark.postgres
async def test_a_login_link_stops_at_the_factor(pg_url: str, smtp_server: SmtpTestServer) -> None:
    async with running_service(
        pg_url, smtp_server, LOGIN_LINK_URL_TEMPLATE="https://app.example.com/sign-in?t={token}"
    ) as service:
        session = await verified(service)
        secret, _ = await enrol(service, session)
        await service.client.post("/api/v1/auth/login-code/request", json={"email": ADA})
        text = (await emailed(service, "sign-in code")).get_body(("plain",)).get_content()
        token = text.split("https://app.example.com/sign-in?t=")[1].split()[0]
        by_link = await service.client.post("/api/v1/auth/login-link", json={"token": token})
        body = by_link.json()
        assert by_link.status_code == 200 and body["mfa_required"] is True and "access_token" not in body
        done = await service.client.post(
            SECOND_FACTOR, json={"mfa_token": body["mfa_token"], "totp_code": code(service, secret)}
        )
        assert done.status_code == 200, done.text
        assert amr(done.json()) == ["mfa", "otp"]
