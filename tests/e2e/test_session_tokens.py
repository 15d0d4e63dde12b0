"""An access token stands only while its session does, introspection says what this service itself would
answer now, and a refresh token has one successor: a copy replayed within the grace joins the owner's one
session and never outlives it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import EmailMessage

import pytest

from tests.e2e.conftest import Service, link_in, running_service
from tests.e2e.test_account_flow import verified_admin
from tests.e2e.test_account_management import IPHONE, bearer, login, refresh, verified
from tests.smtp_server import SmtpTestServer

INTROSPECTION = "introspection-secret-" + "s" * 20
ASK = {"Authorization": f"Bearer {INTROSPECTION}"}
GRACE = timedelta(seconds=10)  # REFRESH_REUSE_GRACE_SECONDS' default


@pytest.fixture
async def service(database_url: str, smtp_server: SmtpTestServer) -> AsyncIterator[Service]:
    async with running_service(database_url, smtp_server, INTROSPECTION_SECRET=INTROSPECTION) as service:
        yield service


@pytest.fixture
async def pg_service(pg_url: str, smtp_server: SmtpTestServer) -> AsyncIterator[Service]:
    async with running_service(pg_url, smtp_server, INTROSPECTION_SECRET=INTROSPECTION) as service:
        yield service


async def introspect(service: Service, session: dict) -> dict:
    answer = await service.client.post(
        "/api/v1/auth/introspect", json={"token": session["access_token"]}, headers=ASK
    )
    assert answer.status_code == 200
    return answer.json()


async def mailed_to(service: Service, address: str) -> EmailMessage:
    for _ in range(500):
        found = [m for m in service.smtp.messages if m["To"] == address]
        if found:
            return found[-1]
        await asyncio.sleep(0.02)
    raise AssertionError(f"no email to {address}")


async def me(service: Service, session: dict) -> int:
    return (await service.client.get("/api/v1/auth/me", headers=bearer(session))).status_code


async def renewed(service: Service, session: dict) -> dict:
    answer = await service.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


# Introspection


async def test_a_disabled_or_deleted_accounts_token_is_inactive(pg_service: Service) -> None:
    service = pg_service
    admin = await verified_admin(service)
    await service.signup("eve@example.com")
    await service.signup("zed@example.com")
    eve, zed = await login(service, "eve@example.com"), await login(service, "zed@example.com")
    assert (await introspect(service, eve))["active"] is True

    disabled = await service.client.patch(
        f"/api/v1/users/{eve['user']['id']}", headers=admin, json={"disabled": True}
    )
    assert disabled.status_code == 200
    assert await introspect(service, eve) == {"active": False}
    assert await me(service, eve) == 403  # as this service answers it: the account is disabled
    enabled = await service.client.patch(
        f"/api/v1/users/{eve['user']['id']}", headers=admin, json={"disabled": False}
    )
    assert enabled.status_code == 200
    assert await introspect(service, eve) == {"active": False}  # disabling ended its sessions for good

    assert (
        await service.client.delete(f"/api/v1/users/{zed['user']['id']}", headers=admin)
    ).status_code == 204
    assert await introspect(service, zed) == {"active": False}


async def test_introspection_answers_the_accounts_role_and_verification_as_they_are_now(
    pg_service: Service,
) -> None:
    service = pg_service
    root = await verified_admin(service)
    await verified(service, "ann@example.com")
    ann_id = (await login(service, "ann@example.com"))["user"]["id"]
    promoted = await service.client.patch(f"/api/v1/users/{ann_id}", headers=root, json={"role": "admin"})
    assert promoted.status_code == 200
    ann = await login(service, "ann@example.com")
    assert (await introspect(service, ann))["role"] == "admin"
    demoted = await service.client.patch(f"/api/v1/users/{ann_id}", headers=root, json={"role": "user"})
    assert demoted.status_code == 200
    assert (await service.client.get("/api/v1/users", headers=bearer(ann))).status_code == 403
    answer = await introspect(service, ann)
    assert answer["active"] is True and answer["role"] == "user"  # the token still says "admin"

    await service.signup("bea@example.com")
    bea = await login(service, "bea@example.com")
    assert (await introspect(service, bea))["email_verified"] is False
    link = link_in(await mailed_to(service, "bea@example.com"))
    assert (
        await service.client.post("/api/v1/auth/verify", json={"token": link.rsplit("/", 1)[1]})
    ).status_code == 200
    assert (await introspect(service, bea))["email_verified"] is True  # the token still says false


# One successor per refresh token


async def test_a_replay_within_the_grace_shares_the_owners_session_and_a_late_use_ends_it(
    pg_service: Service,
) -> None:
    service = pg_service
    await service.signup("ada@example.com")
    first = await login(service, "ada@example.com")
    owners = await renewed(service, first)
    service.clock.advance(timedelta(seconds=3))
    replays = [
        await renewed(service, first) for _ in range(3)
    ]  # a copy of the retired token, within the grace
    assert {r["refresh_token"] for r in replays} == {owners["refresh_token"]}  # no pair of its own
    [listed] = (await service.client.get("/api/v1/auth/sessions", headers=bearer(owners))).json()["items"]
    assert listed["current"] is True

    service.clock.advance(GRACE)  # the copy's holder goes on, on the owner's one token
    thief = await renewed(service, replays[0])
    service.clock.advance(GRACE)
    assert await refresh(service, owners) == 401  # the owner's later use: a token used twice
    # ... ends the one session, whoever holds what of it: refresh and access tokens alike.
    assert [await refresh(service, held) for held in (thief, first)] == [401, 401]
    assert [await me(service, held) for held in (thief, replays[1], owners)] == [401, 401, 401]
    assert (await introspect(service, thief)) == {"active": False}

    again = await login(service, "ada@example.com")
    trail = (await service.client.get("/api/v1/auth/me/security-events", headers=bearer(again))).json()[
        "items"
    ]
    ended = [e for e in trail if e["type"] == "session_ended"]
    assert [e["detail"] for e in ended] == ["refresh_token_reused"]


async def test_the_copys_token_used_after_the_grace_ends_the_session_for_both(pg_service: Service) -> None:
    service = pg_service
    await service.signup("ada@example.com")
    first = await login(service, "ada@example.com")
    owners = await renewed(service, first)
    copy = await renewed(service, first)  # within the grace
    service.clock.advance(GRACE)
    owners = await renewed(service, owners)  # the owner goes on
    service.clock.advance(GRACE)
    assert await refresh(service, copy) == 401  # the copy's token, retired by the owner past the grace
    assert [await refresh(service, owners), await me(service, owners), await me(service, copy)] == [
        401,
        401,
        401,
    ]


@pytest.mark.parametrize("ending", ["logout-all elsewhere", "ending the session", "an administrator"])
async def test_every_holder_of_a_replayed_session_is_ended_with_it(pg_service: Service, ending: str) -> None:
    service = pg_service
    admin = await verified_admin(service)
    await service.signup("ada@example.com")
    first = await login(service, "ada@example.com")
    phone = await login(service, "ada@example.com", user_agent=IPHONE)
    owners = await renewed(service, first)
    copy = await renewed(service, first)  # within the grace
    if ending == "logout-all elsewhere":
        assert (
            await service.client.post("/api/v1/auth/logout-all", headers=bearer(phone))
        ).status_code == 200
    elif ending == "ending the session":
        [session] = [
            s
            for s in (await service.client.get("/api/v1/auth/sessions", headers=bearer(phone))).json()[
                "items"
            ]
            if not s["current"]
        ]
        assert (
            await service.client.delete(f"/api/v1/auth/sessions/{session['id']}", headers=bearer(phone))
        ).status_code == 204
    else:
        revoked = await service.client.post(
            f"/api/v1/users/{first['user']['id']}/revoke-sessions", headers=admin
        )
        assert revoked.status_code == 200
    for held in (owners, copy):
        assert (await refresh(service, held), await me(service, held)) == (401, 401)
        assert await introspect(service, held) == {"active": False}


# Access tokens end with their sessions


@pytest.mark.parametrize("ending", ["logout", "DELETE /sessions/{id}", "logout-all", "revoke-sessions"])
async def test_an_access_token_is_refused_as_soon_as_its_session_ends(service: Service, ending: str) -> None:
    admin = await verified_admin(service)
    await service.signup("ada@example.com")
    ada = await login(service, "ada@example.com")
    other = await login(service, "ada@example.com", user_agent=IPHONE)
    assert (await me(service, ada), (await introspect(service, ada))["active"]) == (200, True)
    if ending == "logout":
        assert (
            await service.client.post("/api/v1/auth/logout", json={"refresh_token": ada["refresh_token"]})
        ).status_code == 200
    elif ending == "DELETE /sessions/{id}":
        [session] = [
            s
            for s in (await service.client.get("/api/v1/auth/sessions", headers=bearer(other))).json()[
                "items"
            ]
            if not s["current"]
        ]
        assert (
            await service.client.delete(f"/api/v1/auth/sessions/{session['id']}", headers=bearer(other))
        ).status_code == 204
    elif ending == "logout-all":
        assert (
            await service.client.post("/api/v1/auth/logout-all", headers=bearer(other))
        ).status_code == 200
    else:
        revoked = await service.client.post(
            f"/api/v1/users/{ada['user']['id']}/revoke-sessions", headers=admin
        )
        assert revoked.status_code == 200
    answer = await service.client.get("/api/v1/auth/me", headers=bearer(ada))
    assert answer.status_code == 401 and answer.json()["error_code"] == "not_authenticated"
    assert (await service.client.get("/api/v1/auth/sessions", headers=bearer(ada))).status_code == 401
    assert await introspect(service, ada) == {"active": False}
    # The other session lives on, but for an administrator's revocation, which ends every one.
    assert await me(service, other) == (401 if ending == "revoke-sessions" else 200)


async def test_a_copy_of_a_token_two_rotations_back_gets_nothing_within_the_grace(
    pg_service: Service,
) -> None:
    # Found by a review: the owner refreshed A into B and B into C within seconds; a replay of A inside the
    # grace got B, and B (inside its own grace) then got C, the live token: the copy caught up.
    service = pg_service
    await service.signup("ada@example.com")
    first = await login(service, "ada@example.com")
    second = await renewed(service, first)
    service.clock.advance(timedelta(seconds=2))
    third = await renewed(service, second)
    service.clock.advance(timedelta(seconds=2))
    assert await refresh(service, first) == 401
    assert await me(service, third) == 200  # the owner's session goes on
    assert (await renewed(service, third))["refresh_token"]
