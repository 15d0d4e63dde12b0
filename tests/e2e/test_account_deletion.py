"""Deleting an account (GDPR Art. 17): by its owner or an administrator, nothing left that can act or be
read."""

from __future__ import annotations

import asyncio

from sqlalchemy import select, text

from adapters.sqlalchemy.tables import outbox_messages
from tests.e2e.conftest import Service
from tests.e2e.test_account_flow import verified_admin

PASSWORD = "correct horse battery"


def bearer(session: dict) -> dict:
    return {"Authorization": f"Bearer {session['access_token']}"}


async def test_the_owner_deletes_the_account_and_the_address_signs_up_again(service: Service) -> None:
    await service.signup("ada@example.com", first_name="Ada")
    await service.smtp.wait_for(1)
    session = (await service.login("ada@example.com")).json()
    other = (await service.login("ada@example.com")).json()
    service.smtp.fail_next(50, "451 4.3.0 try again later")  # the reset email waits in the outbox
    await service.client.post("/api/v1/auth/password-reset-request", json={"email": "ada@example.com"})
    assert service.container is not None
    for _ in range(100):
        async with service.container.engine().connect() as connection:
            if len((await connection.execute(select(outbox_messages))).all()) >= 2:
                break
        await asyncio.sleep(0.05)

    wrong = await service.client.request(
        "DELETE", "/api/v1/auth/me", headers=bearer(session), json={"password": "not the password"}
    )
    assert (wrong.status_code, wrong.json()["error_code"]) == (400, "invalid_password")
    both = await service.client.request(
        "DELETE", "/api/v1/auth/me", headers=bearer(session), json={"password": PASSWORD, "code": "123456"}
    )
    assert both.status_code == 422

    deleted = await service.client.request(
        "DELETE", "/api/v1/auth/me", headers=bearer(session), json={"password": PASSWORD}
    )
    assert deleted.status_code == 204
    assert (await service.client.get("/api/v1/auth/me", headers=bearer(session))).status_code == 401
    for held in (session, other):
        refreshed = await service.client.post(
            "/api/v1/auth/refresh", json={"refresh_token": held["refresh_token"]}
        )
        assert refreshed.status_code == 401
    assert (await service.login("ada@example.com")).status_code == 401

    async with service.container.engine().connect() as connection:
        rows = (
            (
                await connection.execute(
                    select(outbox_messages.c.status, outbox_messages.c.text_body, outbox_messages.c.subject)
                )
            )
            .mappings()
            .all()
        )
        left = [
            (await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
            for table in ("users", "refresh_tokens", "one_time_codes", "email_requests")
        ]
    assert left == [0, 0, 0, 0]
    [cancelled] = [r for r in rows if r["status"] == "cancelled"]  # the reset email: never sent now
    assert cancelled["text_body"] is None
    service.smtp.fail_next(0, "")
    service.smtp._failures["RCPT"].clear()  # the server answers again: only the goodbye is left to send
    goodbye = [m for m in await service.smtp.wait_for(2) if "deleted" in m["Subject"]]
    assert goodbye and goodbye[0]["To"] == "ada@example.com"

    again = await service.signup("ada@example.com")
    assert again.status_code == 201 and again.json()["user"]["first_name"] is None


async def test_an_administrator_deletes_an_account_but_never_the_last_administrator(service: Service) -> None:
    admin = await verified_admin(service)
    me = (await service.client.get("/api/v1/auth/me", headers=admin)).json()
    await service.signup("bob@example.com")
    bob = (await service.login("bob@example.com")).json()

    assert (
        await service.client.delete(f"/api/v1/users/{bob['user']['id']}", headers=bearer(bob))
    ).status_code == 403
    assert (
        await service.client.delete(f"/api/v1/users/{bob['user']['id']}", headers=admin)
    ).status_code == 204
    assert (await service.client.get("/api/v1/auth/me", headers=bearer(bob))).status_code == 401
    assert (
        await service.client.delete(f"/api/v1/users/{bob['user']['id']}", headers=admin)
    ).status_code == 404
    last = await service.client.delete(f"/api/v1/users/{me['id']}", headers=admin)
    assert (last.status_code, last.json()["error_code"]) == (409, "last_admin")
    own = await service.client.request(
        "DELETE", "/api/v1/auth/me", headers=admin, json={"password": "admin password 1"}
    )
    assert (own.status_code, own.json()["error_code"]) == (409, "last_admin")


async def test_an_account_without_a_password_is_deleted_with_a_fresh_sign_in_code(service: Service) -> None:
    await service.signup("cy@example.com")
    await service.client.post("/api/v1/auth/login-code/request", json={"email": "cy@example.com"})
    session = (
        await service.client.post(
            "/api/v1/auth/login-code",
            json={"email": "cy@example.com", "code": await service.code_in_email(2)},
        )
    ).json()
    await service.client.post("/api/v1/auth/login-code/request", json={"email": "cy@example.com"})
    code = await service.code_in_email(3)
    wrong = await service.client.request(
        "DELETE", "/api/v1/auth/me", headers=bearer(session), json={"code": "000000"}
    )
    assert (wrong.status_code, wrong.json()["error_code"]) == (400, "invalid_code")
    deleted = await service.client.request(
        "DELETE", "/api/v1/auth/me", headers=bearer(session), json={"code": code}
    )
    assert deleted.status_code == 204, deleted.text
    assert (await service.client.get("/api/v1/auth/me", headers=bearer(session))).status_code == 401
