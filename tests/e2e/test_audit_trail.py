"""The audit trail: what happened to an account, in order, for its owner and administrators, and no secret in
it."""

from __future__ import annotations

from sqlalchemy import select

from adapters.sqlalchemy.tables import security_events
from tests.e2e.conftest import Service
from tests.e2e.test_account_flow import verified_admin

PASSWORD = "correct horse battery"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def bearer(session: dict) -> dict:
    return {"Authorization": f"Bearer {session['access_token']}"}


async def test_a_scripted_history_is_in_the_trail_in_order_and_holds_no_secret(service: Service) -> None:
    admin = await verified_admin(service)
    service.client.headers["User-Agent"] = FIREFOX  # every request of the history, the administrator's too
    await service.signup("ada@example.com")
    link = await service.link_in_email(1)
    token = link.rsplit("/", 1)[1]
    await service.client.post("/api/v1/auth/verify", json={"token": token})
    await service.login("ada@example.com", "not her password")
    session = (
        await service.client.post(
            "/api/v1/auth/login",
            headers={"User-Agent": FIREFOX},
            json={"email": "ada@example.com", "password": PASSWORD},
        )
    ).json()
    changed = (
        await service.client.post(
            "/api/v1/auth/change-password",
            headers=bearer(session),
            json={"current_password": PASSWORD, "new_password": "a brand new secret"},
        )
    ).json()
    await service.client.post("/api/v1/auth/login-code/request", json={"email": "ada@example.com"})
    code = await service.code_in_email(3)
    await service.client.post("/api/v1/auth/login-code", json={"email": "ada@example.com", "code": code})
    [_, other] = (await service.client.get("/api/v1/auth/sessions", headers=bearer(changed))).json()["items"]
    await service.client.delete(f"/api/v1/auth/sessions/{other['id']}", headers=bearer(changed))
    ada_id = changed["user"]["id"]
    await service.client.patch(f"/api/v1/users/{ada_id}", headers=admin, json={"disabled": True})
    await service.client.patch(f"/api/v1/users/{ada_id}", headers=admin, json={"disabled": False})
    await service.client.patch(f"/api/v1/users/{ada_id}", headers=admin, json={"role": "admin"})

    trail = (await service.client.get(f"/api/v1/users/{ada_id}/events", headers=admin)).json()["items"]
    in_order = [e["type"] for e in reversed(trail)]
    # Entries of one change share its time: their order between them is not kept (a set here).
    in_order[4:6] = sorted(in_order[4:6])
    in_order[9:11] = sorted(in_order[9:11])
    assert in_order == [
        "signed_up",
        "verified",
        "login_failed",
        "login_succeeded",
        "password_changed",
        "sessions_revoked",
        "signed_in_by_code",
        "session_ended",
        "account_disabled",
        "account_enabled",
        "role_changed",
    ]
    by_type = {e["type"]: e for e in trail}
    assert all(e["device"] == "Firefox on Linux" and e["ip"] == "127.0.0.1" for e in trail), trail
    assert by_type["login_failed"]["detail"] == "wrong_password"
    admin_id = (await service.client.get("/api/v1/auth/me", headers=admin)).json()["id"]
    assert by_type["account_disabled"]["actor_id"] == by_type["role_changed"]["actor_id"] == admin_id
    assert by_type["role_changed"]["detail"] == "admin"

    assert service.container is not None
    async with service.container.engine().connect() as connection:
        stored = str([tuple(row) for row in await connection.execute(select(security_events))])
    for secret in (
        PASSWORD,
        "a brand new secret",
        "not her password",
        token,
        code,
        session["refresh_token"],
        session["access_token"],
        changed["refresh_token"],
    ):
        assert secret not in stored


async def test_the_owner_reads_their_own_trail_a_page_at_a_time_and_exports_everything(
    service: Service,
) -> None:
    await service.signup("bo@example.com")
    for _ in range(4):
        session = (await service.login("bo@example.com")).json()
    first = (
        await service.client.get(
            "/api/v1/auth/me/security-events", headers=bearer(session), params={"limit": 2}
        )
    ).json()
    second = (
        await service.client.get(
            "/api/v1/auth/me/security-events",
            headers=bearer(session),
            params={"limit": 10, "cursor": first["next_cursor"]},
        )
    ).json()
    types = [e["type"] for e in first["items"] + second["items"]]
    assert types == ["login_succeeded"] * 4 + ["signed_up"] and second["next_cursor"] is None

    exported = await service.client.get("/api/v1/auth/me/export", headers=bearer(session))
    assert exported.status_code == 200
    held = exported.json()
    assert held["profile"]["email"] == "bo@example.com" and len(held["sessions"]) == 4
    assert [e["type"] for e in held["security_events"]][-1] == "signed_up"
    for secret in (session["refresh_token"], session["access_token"], "argon2", "correct horse battery"):
        assert secret not in exported.text

    other = (await service.signup("cy@example.com"), (await service.login("cy@example.com")).json())[1]
    bo_id = session["user"]["id"]
    assert (
        await service.client.get(f"/api/v1/users/{bo_id}/events", headers=bearer(other))
    ).status_code == 403
    mine = (await service.client.get("/api/v1/auth/me/security-events", headers=bearer(other))).json()[
        "items"
    ]
    assert {e["type"] for e in mine} == {"signed_up", "login_succeeded"}  # only cy's own

    await service.client.request(
        "DELETE", "/api/v1/auth/me", headers=bearer(session), json={"password": "correct horse battery"}
    )
    assert (await service.client.get("/api/v1/auth/me/export", headers=bearer(session))).status_code == 401
    admin = await verified_admin(service)
    kept = (await service.client.get(f"/api/v1/users/{bo_id}/events", headers=admin)).json()["items"]
    assert kept[0]["type"] == "account_deleted" and all(e["ip"] == "" and e["device"] == "" for e in kept)


async def test_a_reset_is_in_the_trail_when_asked_and_when_done(service: Service) -> None:
    admin = await verified_admin(service)
    await service.signup("di@example.com")
    await service.client.post("/api/v1/auth/password-reset-request", json={"email": "di@example.com"})
    await service.client.post("/api/v1/auth/password-reset-request", json={"email": "nobody@example.com"})
    reset_link = await service.link_in_email(2)
    done = await service.client.post(
        reset_link, json={"new_password": "a brand new secret", "confirm_new_password": "a brand new secret"}
    )
    assert done.status_code == 200
    di = (await service.login("di@example.com", "a brand new secret")).json()
    trail = (await service.client.get(f"/api/v1/users/{di['user']['id']}/events", headers=admin)).json()[
        "items"
    ]
    types = [e["type"] for e in trail]
    assert "reset_requested" in types and "reset_completed" in types
    assert types.index("reset_completed") < types.index("reset_requested")  # newest first
    asked, done = (
        next(e for e in trail if e["type"] == kind) for kind in ("reset_requested", "reset_completed")
    )
    assert asked["ip"] == done["ip"] == "127.0.0.1" and asked["device"] and done["device"]
