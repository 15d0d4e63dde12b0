"""Fresh sign-in for what is sensitive (step-up): the export, a change of address and the account's deletion
need a sign-in within REAUTH_MAX_AGE_SECONDS; POST /reauthenticate makes the session's proof fresh again."""

from __future__ import annotations

from datetime import timedelta

import httpx
import jwt

from domain.email import Email
from tests.e2e.conftest import Service

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
