"""Owners see and end their sessions; administrators find, disable, promote and look after accounts."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from domain.email import Email
from domain.user import User
from tests.e2e.conftest import Service
from tests.e2e.test_account_flow import verified_admin

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


def bearer(session: dict) -> dict:
    return {"Authorization": f"Bearer {session['access_token']}"}


async def verified(service: Service, email: str) -> None:
    await service.signup(email)
    await service.client.post(
        "/api/v1/auth/verify",
        json={"token": (await service.link_in_email(len(service.smtp.messages) + 1)).rsplit("/", 1)[1]},
    )


async def login(service: Service, email: str, user_agent: str = FIREFOX) -> dict:
    answer = await service.client.post(
        "/api/v1/auth/login",
        headers={"User-Agent": user_agent},
        json={"email": email, "password": "correct horse battery"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


async def refresh(service: Service, session: dict) -> int:
    return (
        await service.client.post("/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
    ).status_code


async def test_a_person_sees_where_they_are_signed_in_and_signs_a_lost_phone_out(service: Service) -> None:
    await service.signup("ada@example.com")
    laptop = await login(service, "ada@example.com", FIREFOX)
    phone = await login(service, "ada@example.com", IPHONE)

    listed = (await service.client.get("/api/v1/auth/sessions", headers=bearer(laptop))).json()["items"]
    assert [(s["device"], s["current"]) for s in listed] == [
        ("Safari on iPhone", False),
        ("Firefox on Linux", True),
    ]
    assert all(s["ip"] == "127.0.0.1" and s["created_at"] <= s["last_used_at"] for s in listed)
    assert "refresh_token" not in str(listed) and phone["refresh_token"] not in str(listed)

    ended = await service.client.delete(f"/api/v1/auth/sessions/{listed[0]['id']}", headers=bearer(laptop))
    assert ended.status_code == 204
    assert await refresh(service, phone) == 401  # at once
    again = await service.client.delete(f"/api/v1/auth/sessions/{listed[0]['id']}", headers=bearer(laptop))
    assert again.status_code == 404 and again.json()["error_code"] == "not_found"
    assert await refresh(service, laptop) == 200


async def test_another_accounts_session_is_not_found_and_logout_all_keeps_the_current(
    service: Service,
) -> None:
    await service.signup("ada@example.com")
    await service.signup("bob@example.com")
    bob = await login(service, "bob@example.com")
    [bobs] = (await service.client.get("/api/v1/auth/sessions", headers=bearer(bob))).json()["items"]
    others = [await login(service, "ada@example.com") for _ in range(3)]
    mine = await login(service, "ada@example.com")

    foreign = await service.client.delete(f"/api/v1/auth/sessions/{bobs['id']}", headers=bearer(mine))
    assert foreign.status_code == 404 and await refresh(service, bob) == 200
    assert (
        await service.client.delete("/api/v1/auth/sessions/not-an-id", headers=bearer(mine))
    ).status_code == 422

    assert (await service.client.post("/api/v1/auth/logout-all", headers=bearer(mine))).status_code == 200
    assert [await refresh(service, other) for other in others] == [401, 401, 401]
    [left] = (await service.client.get("/api/v1/auth/sessions", headers=bearer(mine))).json()["items"]
    assert left["current"] is True


async def test_ten_refreshes_racing_with_one_token_all_get_its_one_successor_and_a_late_reuse_ends_the_family(
    service: Service,
) -> None:
    await service.signup("ada@example.com")
    session = await login(service, "ada@example.com")
    answers = await asyncio.gather(
        *(
            service.client.post("/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
            for _ in range(10)
        )
    )
    assert [a.status_code for a in answers] == [200] * 10
    pairs = [a.json() for a in answers]
    assert len({p["refresh_token"] for p in pairs}) == 1  # one successor, never a branch per racer
    assert await refresh(service, pairs[3]) == 200  # the family lives

    service.clock.advance(timedelta(seconds=11))
    assert await refresh(service, session) == 401  # past the grace: a thief's copy
    assert await refresh(service, pairs[5]) == 401  # and the whole family ended


async def test_a_disabled_account_cannot_sign_in_refresh_or_use_a_live_token(service: Service) -> None:
    admin = await verified_admin(service)
    await service.signup("eve@example.com")
    eve = await login(service, "eve@example.com")
    eve_id = eve["user"]["id"]
    await service.client.post("/api/v1/auth/login-code/request", json={"email": "eve@example.com"})
    code = await service.code_in_email(2)

    changed = await service.client.patch(f"/api/v1/users/{eve_id}", headers=admin, json={"disabled": True})
    assert changed.status_code == 200 and changed.json()["disabled"] is True

    for answer in (
        await service.client.get("/api/v1/auth/me", headers=bearer(eve)),
        await service.login("eve@example.com"),
        await service.client.post("/api/v1/auth/refresh", json={"refresh_token": eve["refresh_token"]}),
        await service.client.post("/api/v1/auth/login-code", json={"email": "eve@example.com", "code": code}),
    ):
        assert (answer.status_code, answer.json()["error_code"]) == (403, "account_disabled"), answer.text
    wrong = await service.login("eve@example.com", "not her password")
    assert wrong.status_code == 401  # only the password's holder learns the account is disabled

    enabled = await service.client.patch(f"/api/v1/users/{eve_id}", headers=admin, json={"disabled": False})
    assert enabled.json()["disabled"] is False
    assert (await service.login("eve@example.com")).status_code == 200
    assert (
        await service.client.post("/api/v1/auth/refresh", json={"refresh_token": eve["refresh_token"]})
    ).status_code == 401  # its old session stays ended


async def test_the_last_verified_admin_cannot_be_demoted_disabled_but_a_second_one_frees_it(
    service: Service,
) -> None:
    admin = await verified_admin(service)
    me = (await service.client.get("/api/v1/auth/me", headers=admin)).json()
    for change in ({"role": "user"}, {"disabled": True}):
        refused = await service.client.patch(f"/api/v1/users/{me['id']}", headers=admin, json=change)
        assert (refused.status_code, refused.json()["error_code"]) == (409, "last_admin")

    await verified(service, "bea@example.com")
    bea = await login(service, "bea@example.com")
    promoted = await service.client.patch(
        f"/api/v1/users/{bea['user']['id']}", headers=admin, json={"role": "admin"}
    )
    assert promoted.json()["role"] == "admin"
    demoted = await service.client.patch(
        f"/api/v1/users/{me['id']}", headers=bearer(bea), json={"role": "user"}
    )
    assert demoted.status_code == 200 and demoted.json()["role"] == "user"
    assert (await service.client.get("/api/v1/users", headers=admin)).status_code == 403


async def test_administrators_look_after_one_account(service: Service) -> None:
    admin = await verified_admin(service)
    await service.signup("cy@example.com")
    cy = await login(service, "cy@example.com")
    cy_id = cy["user"]["id"]

    shown = await service.client.get(f"/api/v1/users/{cy_id}", headers=admin)
    assert (
        shown.status_code == 200
        and shown.json()["email"] == "cy@example.com"
        and "password" not in shown.text
    )
    unknown = await service.client.get(f"/api/v1/users/{uuid.uuid4()}", headers=admin)
    assert (unknown.status_code, unknown.json()["error_code"]) == (404, "not_found")
    assert (await service.client.get(f"/api/v1/users/{cy_id}", headers=bearer(cy))).status_code == 403
    assert (await service.client.get(f"/api/v1/users/{cy_id}")).status_code == 401

    resent = await service.client.post(f"/api/v1/users/{cy_id}/resend-verification", headers=admin)
    assert resent.status_code == 202
    second = await service.email(2)
    assert second["To"] == "cy@example.com" and "/verify/" in second.get_body(("plain",)).get_content()

    revoked = await service.client.post(f"/api/v1/users/{cy_id}/revoke-sessions", headers=admin)
    assert revoked.status_code == 200 and await refresh(service, cy) == 401

    verified_now = await service.client.patch(
        f"/api/v1/users/{cy_id}", headers=admin, json={"is_verified": True}
    )
    assert verified_now.json()["is_verified"] is True
    extra = await service.client.patch(f"/api/v1/users/{cy_id}", headers=admin, json={"password_hash": "x"})
    assert extra.status_code == 422


async def test_a_cursor_pages_over_a_thousand_accounts_each_exactly_once(service: Service) -> None:
    admin = await verified_admin(service)
    assert service.container is not None
    start = datetime(2026, 1, 1, tzinfo=UTC)
    async with service.container.uow() as uow:
        for n in range(1000):  # several share a creation time: the id breaks the tie
            await uow.users.add(
                User(
                    Email.parse(f"reader{n:04}@example.com"),
                    "not a hash",
                    start + timedelta(seconds=n // 3),
                    username=f"reader{n}",
                )
            )
        await uow.commit()

    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = (
            await service.client.get(
                "/api/v1/users",
                headers=admin,
                params={"limit": 100, "role": "user", **({"cursor": cursor} if cursor else {})},
            )
        ).json()
        seen += [u["email"] for u in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 1000 and set(seen) == {f"reader{n:04}@example.com" for n in range(1000)}

    found = (
        await service.client.get("/api/v1/users", headers=admin, params={"q": "READER099", "limit": 100})
    ).json()
    assert sorted(u["email"] for u in found["items"]) == [f"reader099{n}@example.com" for n in range(10)]
    bookly = (
        await service.client.get("/api/v1/users", headers=admin, params={"offset": 10, "limit": 5})
    ).json()
    assert bookly["total"] == 1001 and bookly["offset"] == 10 and len(bookly["items"]) == 5
    assert bookly["next_cursor"] is not None
    for hostile in (
        {"cursor": "not-a-cursor"},
        {"q": "ada\x00"},
        {"q": "\u202eada"},
        {"cursor": "MjAyNi0wMS0wMVQwMDowMDowMHwA"},
    ):
        bad = await service.client.get("/api/v1/users", headers=admin, params=hostile)
        assert (bad.status_code, bad.json()["error_code"]) == (422, "validation_error"), hostile
