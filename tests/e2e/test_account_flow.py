"""The whole account life cycle, as a client and a mailbox see it."""

import asyncio
from datetime import timedelta

from application.admin.create_admin import NewAdmin
from entrypoints.container import build_container, close_container
from tests.e2e.conftest import Service


async def verified_admin(service: Service, email: str = "root@example.com") -> dict:
    # Made as `accounts create-admin` makes it: through a container of its own.
    admin_container = build_container(service.settings)
    try:
        await admin_container.create_admin().execute(NewAdmin(email, "admin password 1"))
    finally:
        await close_container(admin_container)
    response = await service.login(email, "admin password 1")
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_sign_up_verify_by_email_and_log_in(service: Service) -> None:
    response = await service.signup("Ada@Example.com", first_name="Ada")
    assert response.status_code == 201
    user = response.json()["user"]
    assert (user["email"], user["role"], user["is_verified"]) == ("ada@example.com", "user", False)
    assert "password" not in str(response.json())

    link = await service.link_in_email(1)
    assert link.startswith(f"http://{service.settings.DOMAIN}/api/v1/auth/verify/")
    verified = await service.client.get(link)
    assert verified.status_code == 200 and "verified" in verified.json()["message"]
    again = await service.client.get(link)
    assert again.status_code == 200 and "already" in again.json()["message"]

    session = (await service.login("ada@example.com")).json()
    me = await service.client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {session['access_token']}"}
    )
    assert me.status_code == 200 and me.json()["is_verified"] is True


async def test_admin_endpoints_refuse_unverified_accounts_then_ordinary_users(service: Service) -> None:
    await service.signup("bob@example.com")
    bob = (await service.login("bob@example.com")).json()
    bearer = {"Authorization": f"Bearer {bob['access_token']}"}

    unverified = await service.client.get("/api/v1/users/", headers=bearer)
    assert unverified.status_code == 403 and unverified.json()["error_code"] == "account_not_verified"
    assert "email" in unverified.json()["resolution"]

    await service.client.get(await service.link_in_email(1))
    not_admin = await service.client.get("/api/v1/users/", headers=bearer)
    assert not_admin.status_code == 403 and not_admin.json()["error_code"] == "insufficient_permissions"

    admin = await verified_admin(service)
    page = await service.client.get("/api/v1/users/?limit=1", headers=admin)
    assert page.status_code == 200 and page.json()["total"] == 2 and len(page.json()["items"]) == 1

    assert (await service.client.get("/api/v1/users/")).status_code == 401


async def test_reset_a_forgotten_password_from_the_emailed_link(service: Service) -> None:
    await service.signup("cy@example.com")
    old = (await service.login("cy@example.com")).json()

    response = await service.client.post(
        "/api/v1/auth/password-reset-request", json={"email": "cy@example.com"}
    )
    unknown = await service.client.post(
        "/api/v1/auth/password-reset-request", json={"email": "no@example.com"}
    )
    assert response.status_code == unknown.status_code == 200 and response.json() == unknown.json()

    link = await service.link_in_email(2)
    assert "/api/v1/auth/password-reset-confirm/" in link
    service.clock.advance(timedelta(seconds=1))
    body = {"new_password": "a brand new secret", "confirm_new_password": "a brand new secret"}
    assert (await service.client.post(link, json=body)).status_code == 200

    assert (await service.login("cy@example.com")).status_code == 401
    assert (await service.login("cy@example.com", "a brand new secret")).status_code == 200
    replay = await service.client.post(link, json=body)
    assert replay.status_code == 400 and replay.json()["error_code"] == "invalid_token"
    stale = await service.client.post("/api/v1/auth/refresh", json={"refresh_token": old["refresh_token"]})
    assert stale.status_code == 401


async def test_mismatched_passwords_and_a_verification_token_are_refused_by_reset(service: Service) -> None:
    await service.signup("di@example.com")
    verify_link = await service.link_in_email(1)
    await service.client.post("/api/v1/auth/password-reset-request", json={"email": "di@example.com"})
    reset_link = await service.link_in_email(2)

    mismatch = await service.client.post(
        reset_link, json={"new_password": "a brand new secret", "confirm_new_password": "a different secret"}
    )
    assert mismatch.status_code == 400 and mismatch.json()["error_code"] == "passwords_mismatch"

    token = verify_link.rsplit("/", 1)[1]
    wrong_purpose = await service.client.post(
        f"/api/v1/auth/password-reset-confirm/{token}",
        json={"new_password": "a brand new secret", "confirm_new_password": "a brand new secret"},
    )
    assert wrong_purpose.status_code == 400 and wrong_purpose.json()["error_code"] == "invalid_token"


async def test_an_expired_link_is_refused(service: Service) -> None:
    await service.signup("ed@example.com")
    link = await service.link_in_email(1)
    service.clock.advance(timedelta(hours=24, minutes=1))
    response = await service.client.get(link)
    assert response.status_code == 400 and response.json()["error_code"] == "token_expired"
    tampered = await service.client.get(link[:-3] + "abc")
    assert tampered.status_code == 400 and tampered.json()["error_code"] == "invalid_token"


async def test_an_expired_reset_link_is_refused(service: Service) -> None:
    await service.signup("eve@example.com")
    await service.client.post("/api/v1/auth/password-reset-request", json={"email": "eve@example.com"})
    link = await service.link_in_email(2)
    service.clock.advance(timedelta(hours=1, minutes=1))
    response = await service.client.post(
        link, json={"new_password": "a brand new secret", "confirm_new_password": "a brand new secret"}
    )
    assert response.status_code == 400 and response.json()["error_code"] == "token_expired"


async def test_two_concurrent_signups_with_one_address_give_201_and_409(service: Service) -> None:
    first, second = await asyncio.gather(service.signup("fay@example.com"), service.signup("FAY@example.com"))
    assert sorted([first.status_code, second.status_code]) == [201, 409]
    conflict = first if first.status_code == 409 else second
    assert conflict.json()["error_code"] == "user_exists"


async def test_refresh_rotates_and_logout_ends_the_session(service: Service) -> None:
    await service.signup("gil@example.com")
    session = (await service.login("gil@example.com")).json()
    rotated = await service.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]}
    )
    assert rotated.status_code == 200 and rotated.json()["refresh_token"] != session["refresh_token"]

    new = rotated.json()["refresh_token"]
    assert (await service.client.post("/api/v1/auth/logout", json={"refresh_token": new})).status_code == 200
    after = await service.client.post("/api/v1/auth/refresh", json={"refresh_token": new})
    assert after.status_code == 401 and after.json()["error_code"] == "not_authenticated"


async def test_errors_share_one_shape(service: Service) -> None:
    cases = [
        await service.client.post("/api/v1/auth/signup", json={"email": "x"}),
        await service.client.post(
            "/api/v1/auth/signup", json={"email": "not-an-address", "password": "x" * 12}
        ),
        await service.client.post("/api/v1/auth/login", json={"email": "no@example.com", "password": "nope"}),
        await service.client.get("/api/v1/auth/me", headers={"Authorization": "Bearer nonsense"}),
        await service.client.get("/api/v1/auth/verify/garbage"),
        await service.client.get("/no/such/path"),
    ]
    assert [r.status_code for r in cases] == [422, 422, 401, 401, 400, 404]
    for response in cases:
        assert set(response.json()) == {"message", "error_code", "resolution"}
    assert cases[2].json()["error_code"] == "invalid_email_or_password"


async def test_an_admin_sends_one_message_per_recipient(service: Service) -> None:
    admin = await verified_admin(service)
    response = await service.client.post(
        "/api/v1/auth/send_mail", headers=admin, json={"addresses": ["a@example.com", "b@example.com"]}
    )
    assert response.status_code == 202
    messages = await service.smtp.wait_for(2)
    assert sorted(m["To"] for m in messages) == ["a@example.com", "b@example.com"]


async def test_health(service: Service) -> None:
    assert (await service.client.get("/health/live")).status_code == 200
    ready = await service.client.get("/health/ready")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"
