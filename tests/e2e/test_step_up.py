"""Fresh sign-in for what is sensitive (step-up): the export, a change of address and the account's deletion
need a sign-in within REAUTH_MAX_AGE_SECONDS; POST /reauthenticate makes the session's proof fresh again."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import jwt
import pytest
from sqlalchemy import insert

from adapters.sqlalchemy.tables import totp_factors
from domain.email import Email
from domain.factors import Amr, Proof
from tests.e2e.conftest import Service, running_service
from tests.e2e.test_account_flow import verified_admin
from tests.e2e.test_second_factors import code, enrol
from tests.smtp_server import SmtpTestServer

PASSWORD = "correct horse battery"
REAUTH = "/api/v1/auth/reauthenticate"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


async def verified(service: Service, email: str = "ada@example.com") -> dict:
    """A verified account's login body."""
    assert (await service.signup(email)).status_code == 201
    assert (await service.client.get(await service.link_in_email(1))).status_code == 200
    login = await service.login(email)
    assert login.status_code == 200, login.text
    return login.json()


async def sensitive(service: Service, token: str) -> list[httpx.Response]:
    """The export, a change of address and the deletion, each with the right password."""
    return [
        await service.client.get("/api/v1/auth/me/export", headers=bearer(token)),
        await service.client.post(
            "/api/v1/auth/change-email",
            headers=bearer(token),
            json={"new_email": "ada@new.example.com", "password": PASSWORD},
        ),
        await service.client.request(
            "DELETE", "/api/v1/auth/me", headers=bearer(token), json={"password": PASSWORD}
        ),
    ]


def refused_as_stale(answers: list[httpx.Response]) -> bool:
    return all((a.status_code, a.json()["error_code"]) == (401, "reauthentication_required") for a in answers)


async def test_an_old_sign_in_is_refused_on_what_is_sensitive_and_reauthenticate_lifts_it(
    service: Service,
) -> None:
    session = await verified(service)
    service.clock.advance(timedelta(seconds=service.settings.REAUTH_MAX_AGE_SECONDS + 1))
    # Still a good token for everything else: the access token is refreshed, the sign-in is as old.
    refreshed = await service.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]}
    )
    assert refreshed.status_code == 200
    token = refreshed.json()["access_token"]
    assert claims(token)["auth_time"] == claims(session["access_token"])["auth_time"]
    assert (await service.client.get("/api/v1/auth/me", headers=bearer(token))).status_code == 200
    assert refused_as_stale(await sensitive(service, token))

    wrong = await service.client.post(REAUTH, headers=bearer(token), json={"password": "not it at all"})
    assert (wrong.status_code, wrong.json()["error_code"]) == (400, "invalid_password")
    again = await service.client.post(REAUTH, headers=bearer(token), json={"password": PASSWORD})
    assert again.status_code == 200, again.text
    assert set(again.json()) == {"access_token", "token_type", "expires_in"}
    fresh = again.json()["access_token"]
    assert claims(fresh)["sid"] == claims(token)["sid"]
    assert claims(fresh)["auth_time"] > claims(token)["auth_time"]
    assert claims(fresh)["amr"] == ["pwd"]

    # The session's refresh token is the one it had, and its next access token keeps the fresh proof.
    kept = await service.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": refreshed.json()["refresh_token"]}
    )
    assert kept.status_code == 200
    assert claims(kept.json()["access_token"])["auth_time"] == claims(fresh)["auth_time"]

    export = await service.client.get("/api/v1/auth/me/export", headers=bearer(fresh))
    assert export.status_code == 200
    trail = [e["type"] for e in export.json()["security_events"]]
    assert trail.count("reauthenticated") == 1 and trail.count("reauthentication_failed") == 1


async def test_a_token_without_amr_from_before_step_up_is_refused(service: Service) -> None:
    await verified(service)
    assert service.container is not None
    # A session opened as every session was before tokens carried amr and auth_time.
    sessions, uow = service.container.sessions(), service.container.uow()
    async with uow:
        user = await uow.users.get_by_email(Email.parse("ada@example.com"))
        assert user is not None
        opened = await sessions.open(uow, user, None)
        await uow.commit()
    old = (await sessions.hand_out(opened)).access_token
    assert "amr" not in claims(old) and "auth_time" not in claims(old)
    assert (await service.client.get("/api/v1/auth/me", headers=bearer(old))).status_code == 200
    assert refused_as_stale(await sensitive(service, old))

    again = await service.client.post(REAUTH, headers=bearer(old), json={"password": PASSWORD})
    assert again.status_code == 200, again.text
    assert claims(again.json()["access_token"])["amr"] == ["pwd"]


async def test_a_fresh_sign_in_passes_and_the_password_is_still_asked(service: Service) -> None:
    token = (await verified(service))["access_token"]
    export = await service.client.get("/api/v1/auth/me/export", headers=bearer(token))
    assert export.status_code == 200
    wrong = await service.client.post(
        "/api/v1/auth/change-email",
        headers=bearer(token),
        json={"new_email": "ada@new.example.com", "password": "not the password"},
    )
    assert (wrong.status_code, wrong.json()["error_code"]) == (400, "invalid_password")


async def open_session(service: Service, email: str, *amr: Amr) -> str:
    """An access token of a new session whose sign-in proved `amr` now, opened as the sign-in flows open
    theirs (a real session, stored): for a proof no flow of this branch makes yet (a second factor)."""
    assert service.container is not None
    sessions, uow = service.container.sessions(), service.container.uow()
    async with uow:
        user = await uow.users.get_by_email(Email.parse(email))
        assert user is not None
        opened = await sessions.open(uow, user, Proof.of(service.clock.now(), *amr))
        await uow.commit()
    return (await sessions.hand_out(opened)).access_token


@pytest.fixture
async def strict(database_url: str, smtp_server: SmtpTestServer) -> AsyncIterator[Service]:
    # A sign-in goes stale (300 s) before its access token expires (900 s): one token shows both.
    async with running_service(
        database_url, smtp_server, MFA_REQUIRED_ROLES="admin", REAUTH_MAX_AGE_SECONDS=300
    ) as service:
        yield service


async def test_mfa_required_roles_blocks_an_admin_without_a_factor_but_where_it_enrols(
    strict: Service,
) -> None:
    service = strict
    admin = await verified_admin(service)
    for path in ("/api/v1/users", "/api/v1/auth/sessions", "/api/v1/auth/me/security-events"):
        refused = await service.client.get(path, headers=admin)
        assert (refused.status_code, refused.json()["error_code"]) == (403, "mfa_enrollment_required"), path
        assert set(refused.json()) == {"message", "error_code", "resolution"}
    assert (await service.client.get("/api/v1/auth/me", headers=admin)).status_code == 200
    again = await service.client.post(REAUTH, headers=admin, json={"password": "admin password 1"})
    assert again.status_code == 200, again.text
    assert (await service.client.post("/api/v1/auth/logout-all", headers=admin)).status_code == 200

    # Other roles are untouched.
    ada = (await verified(service))["access_token"]
    assert (await service.client.get("/api/v1/auth/sessions", headers=bearer(ada))).status_code == 200

    # With a factor, the admin's tokens must carry mfa.
    root = await service.client.get("/api/v1/auth/me", headers=admin)
    assert service.container is not None
    async with service.container.engine().begin() as connection:
        await connection.execute(
            insert(totp_factors).values(
                user_id=uuid.UUID(root.json()["id"]),
                sealed_secret="sealed",
                created_at=service.clock.now(),
                confirmed_at=service.clock.now(),
            )
        )
    without = await service.client.get("/api/v1/users", headers=admin)
    assert (without.status_code, without.json()["error_code"]) == (401, "reauthentication_required")
    assert (await service.client.get("/api/v1/auth/me", headers=admin)).status_code == 200
    with_mfa = await open_session(service, "root@example.com", Amr.PASSWORD, Amr.OTP, Amr.MFA)
    assert (await service.client.get("/api/v1/users", headers=bearer(with_mfa))).status_code == 200


async def test_reauthenticate_answers_hostile_input_with_4xx(service: Service) -> None:
    token = (await verified(service))["access_token"]
    for body in (
        {},
        {"password": PASSWORD, "totp_code": "123456"},
        {"password": 12345},
        {"password": None},
        {"totp_code": "1" * 5000},
        {"passkey": "not an object"},
        {"passkey": {"id": "\ud800"}},
        {"passkey": {"\udfff": 1}},
        {"password": "\ud800x"},
        {"password": "x" * 5000},
        {"password": PASSWORD, "extra": 1},
        [PASSWORD],
    ):
        # As JSON escapes, so a lone surrogate reaches the service as a client can send it.
        answer = await service.client.post(
            REAUTH,
            headers={**bearer(token), "Content-Type": "application/json"},
            content=json.dumps(body),
        )
        assert 400 <= answer.status_code < 500, (body, answer.text)
        assert set(answer.json()) == {"message", "error_code", "resolution"}
        assert PASSWORD not in answer.text
        if "\ud800" in str(body) or "\udfff" in str(body):  # never passed on, to a hasher or a passkey check
            assert answer.json()["error_code"] == "validation_error", body
    no_app = await service.client.post(REAUTH, headers=bearer(token), json={"totp_code": "123456"})
    assert (no_app.status_code, no_app.json()["error_code"]) == (400, "method_not_available")
    forged = await service.client.post(REAUTH, headers=bearer(token), json={"passkey": {"id": "x"}})
    assert (forged.status_code, forged.json()["error_code"]) == (400, "invalid_passkey")
    nobody = await service.client.post(REAUTH, json={"password": PASSWORD})
    assert (nobody.status_code, nobody.json()["error_code"]) == (401, "not_authenticated")


async def test_an_admin_enrols_and_steps_up_with_the_authenticator_app(strict: Service) -> None:
    """MFA_REQUIRED_ROLES=admin through the real flows: blocked, enrols, then the app's code lifts it."""
    service = strict
    admin = await verified_admin(service)
    session = {"access_token": admin["Authorization"].removeprefix("Bearer ")}
    blocked = await service.client.get("/api/v1/users", headers=admin)
    assert (blocked.status_code, blocked.json()["error_code"]) == (403, "mfa_enrollment_required")
    assert (await service.client.get("/api/v1/auth/mfa", headers=admin)).status_code == 200
    secret, _ = await enrol(service, session)

    # The enrolling token is not promoted: its role now wants mfa in it.
    without = await service.client.get("/api/v1/users", headers=admin)
    assert (without.status_code, without.json()["error_code"]) == (401, "reauthentication_required")
    wrong = await service.client.post(REAUTH, headers=admin, json={"totp_code": "000000"})
    assert (wrong.status_code, wrong.json()["error_code"]) == (400, "invalid_code")
    stepped = await service.client.post(REAUTH, headers=admin, json={"totp_code": code(service, secret)})
    assert stepped.status_code == 200, stepped.text
    token = stepped.json()["access_token"]
    assert claims(token)["amr"] == ["mfa", "otp", "pwd"]
    assert (await service.client.get("/api/v1/users", headers=bearer(token))).status_code == 200
    assert (await service.client.get("/api/v1/auth/me/export", headers=bearer(token))).status_code == 200

    # Later the sign-in is too old for the export. The password alone renews it but drops mfa (whoever holds
    # the session and learns the password must still show the app); the app's code brings it back.
    service.clock.advance(timedelta(seconds=service.settings.REAUTH_MAX_AGE_SECONDS + 1))
    stale = await service.client.get("/api/v1/auth/me/export", headers=bearer(token))
    assert (stale.status_code, stale.json()["error_code"]) == (401, "reauthentication_required")
    again = await service.client.post(REAUTH, headers=bearer(token), json={"password": "admin password 1"})
    assert again.status_code == 200, again.text
    renewed = again.json()["access_token"]
    assert claims(renewed)["amr"] == ["otp", "pwd"]
    refused = await service.client.get("/api/v1/auth/me/export", headers=bearer(renewed))
    assert refused.status_code == 401 and "second factor" in refused.json()["message"]
    service.clock.advance(timedelta(seconds=30))  # past the step the first code spent
    by_app = await service.client.post(
        REAUTH, headers=bearer(renewed), json={"totp_code": code(service, secret)}
    )
    assert claims(by_app.json()["access_token"])["amr"] == ["mfa", "otp", "pwd"]
    exported = await service.client.get(
        "/api/v1/auth/me/export", headers=bearer(by_app.json()["access_token"])
    )
    assert exported.status_code == 200
