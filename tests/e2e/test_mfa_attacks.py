"""Attacks on the second factor, passkeys and the fresh-sign-in rule: each a way one was found, or might be,
skipped or abused, kept so it stays closed."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import jwt
import pytest

from tests.e2e.conftest import Service, running_service
from tests.e2e.test_passkeys import ORIGIN, PASSKEYS, assertion, register, signed_up
from tests.e2e.test_second_factors import (
    ADA,
    PASSWORD,
    SECOND_FACTOR,
    bearer,
    code,
    enrol,
    mfa_token,
    verified,
)
from tests.smtp_server import SmtpTestServer
from tests.webauthn_authenticator import SoftAuthenticator

NEW_PASSWORD = "a brand new passphrase"


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


@pytest.fixture
async def pg_service(pg_url: str, smtp_server: SmtpTestServer) -> AsyncIterator[Service]:
    async with running_service(pg_url, smtp_server, LOGIN_FAILURES_PER_ACCOUNT=100) as service:
        yield service


async def signed_in_with_totp(service: Service) -> tuple[dict, str, list[str]]:
    secret, codes = await enrol(service, await verified(service))
    done = await service.client.post(
        SECOND_FACTOR, json={"mfa_token": await mfa_token(service), "totp_code": code(service, secret)}
    )
    assert done.status_code == 200, done.text
    service.clock.advance(timedelta(seconds=30))
    return done.json(), secret, codes


async def test_changing_the_password_of_an_old_session_does_not_make_it_fresh(service: Service) -> None:
    # A stolen session of an account with an app, and its password (phished): changing the password must
    # not hand out a fresh sign-in with `mfa`, which would reach the export, the factor's removal, etc.
    session, _, _ = await signed_in_with_totp(service)
    service.clock.advance(timedelta(seconds=service.settings.REAUTH_MAX_AGE_SECONDS + 60))
    refreshed = await service.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]}
    )
    assert refreshed.status_code == 200
    stale = refreshed.json()
    export = await service.client.get("/api/v1/auth/me/export", headers=bearer(stale))
    assert export.json()["error_code"] == "reauthentication_required"

    changed = await service.client.post(
        "/api/v1/auth/change-password",
        headers=bearer(stale),
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    if "access_token" in body:
        assert claims(body["access_token"])["auth_time"] == claims(stale["access_token"])["auth_time"]
        assert "mfa" in claims(body["access_token"])["amr"]  # the session keeps what it proved, no fresher
        for token in (
            body,
            (
                await service.client.post(
                    "/api/v1/auth/refresh", json={"refresh_token": body["refresh_token"]}
                )
            ).json(),
        ):
            export = await service.client.get("/api/v1/auth/me/export", headers=bearer(token))
            assert export.json()["error_code"] == "reauthentication_required"
            off = await service.client.delete("/api/v1/auth/mfa/totp", headers=bearer(token))
            assert off.json()["error_code"] == "reauthentication_required"
    else:
        assert body["mfa_required"] is True


@pytest.mark.postgres
async def test_twenty_concurrent_answers_on_one_mfa_token_give_one_session(pg_service: Service) -> None:
    service = pg_service
    secret, _ = await enrol(service, await verified(service))
    token, right = await mfa_token(service), code(service, secret)

    async def submit() -> httpx.Response:
        return await service.client.post(SECOND_FACTOR, json={"mfa_token": token, "totp_code": right})

    answers = await asyncio.gather(*(submit() for _ in range(20)))
    assert sorted(a.status_code for a in answers) == [200] + [400] * 19, [a.text for a in answers]
    # Spent: the mfa_token is not a second way in, with this code or the next.
    service.clock.advance(timedelta(seconds=30))
    replay = await service.client.post(
        SECOND_FACTOR, json={"mfa_token": token, "totp_code": code(service, secret)}
    )
    assert replay.status_code == 400 and "access_token" not in replay.json()


@pytest.mark.postgres
async def test_one_recovery_code_used_ten_times_at_once_signs_in_once(pg_service: Service) -> None:
    service = pg_service
    _, codes = await enrol(service, await verified(service))
    tokens = [await mfa_token(service) for _ in range(10)]

    async def submit(token: str) -> httpx.Response:
        return await service.client.post(SECOND_FACTOR, json={"mfa_token": token, "recovery_code": codes[0]})

    answers = await asyncio.gather(*(submit(t) for t in tokens))
    assert sorted(a.status_code for a in answers) == [200] + [400] * 9, [a.text for a in answers]
    # Lower case and without dashes it is the same spent code.
    again = await service.client.post(
        SECOND_FACTOR,
        json={"mfa_token": await mfa_token(service), "recovery_code": codes[0].replace("-", "").lower()},
    )
    assert again.status_code == 400


async def test_an_mfa_token_is_no_way_into_another_account(service: Service) -> None:
    ada_secret, _ = await enrol(service, await verified(service))
    bob = {"access_token": (await signed_up(service, "bob@example.com"))["Authorization"].split()[1]}
    bob_secret, bob_codes = await enrol(service, bob)
    ada_token = await mfa_token(service)
    for answer in ({"totp_code": code(service, bob_secret)}, {"recovery_code": bob_codes[0]}):
        refused = await service.client.post(SECOND_FACTOR, json={"mfa_token": ada_token, **answer})
        assert refused.status_code == 400 and "access_token" not in refused.json(), refused.text
    # Bob's code was not spent by the attempt on Ada's sign-in, nor Ada's by anything.
    bob_login = await service.login("bob@example.com")
    done = await service.client.post(
        SECOND_FACTOR, json={"mfa_token": bob_login.json()["mfa_token"], "recovery_code": bob_codes[0]}
    )
    assert done.status_code == 200
    assert done.json()["user"]["email"] == "bob@example.com"
    ok = await service.client.post(
        SECOND_FACTOR, json={"mfa_token": ada_token, "totp_code": code(service, ada_secret)}
    )
    assert ok.status_code == 200 and ok.json()["user"]["email"] == ADA


async def test_five_wrong_answers_end_the_mfa_token(service: Service) -> None:
    secret, _ = await enrol(service, await verified(service))
    token = await mfa_token(service)
    right = code(service, secret)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):
        answer = await service.client.post(SECOND_FACTOR, json={"mfa_token": token, "totp_code": wrong})
        assert answer.status_code == 400
    late = await service.client.post(SECOND_FACTOR, json={"mfa_token": token, "totp_code": right})
    assert late.status_code == 400 and "access_token" not in late.json()


async def test_a_wrong_password_answers_the_same_with_a_factor_and_without(service: Service) -> None:
    await enrol(service, await verified(service))
    await signed_up(service, "bob@example.com")
    answers = [
        await service.client.post("/api/v1/auth/login", json={"email": who, "password": "not the password"})
        for who in (ADA, "bob@example.com")
    ]
    assert answers[0].status_code == answers[1].status_code == 401
    assert answers[0].json() == answers[1].json()
    assert set(answers[0].headers) - {"date", "x-request-id", "content-length"} == set(answers[1].headers) - {
        "date",
        "x-request-id",
        "content-length",
    }


HOSTILE = [
    {"mfa_token": "\ud800", "totp_code": "123456"},
    {"mfa_token": "x" * 5000, "totp_code": "123456"},
    {"mfa_token": "x", "totp_code": "\ud800\ud800\ud800"},
    {"mfa_token": "x", "recovery_code": "\udfff" * 10},
    {"mfa_token": "x", "recovery_code": "A" * 5000},
    {"mfa_token": 7, "totp_code": 123456},
    {"mfa_token": ["x"], "totp_code": {"a": 1}},
    {"mfa_token": "x", "passkey": "not an object"},
    {"mfa_token": "x", "passkey": {"id": "\ud800", "rawId": "\ud800", "type": "public-key", "response": {}}},
    {"mfa_token": "x", "passkey": {"id": 1, "rawId": [], "response": {"clientDataJSON": {"a": [1]}}}},
    {"mfa_token": "x", "totp_code": "123456", "recovery_code": "AAAA"},
    {"mfa_token": "x"},
    {},
]


async def test_hostile_second_factor_bodies_answer_4xx(service: Service) -> None:
    await enrol(service, await verified(service))
    real = await mfa_token(service)
    for body in HOSTILE:
        for token in ("x", real):
            sent = {**body, "mfa_token": token} if body.get("mfa_token") == "x" else body
            answer = await service.client.post(
                SECOND_FACTOR, content=json.dumps(sent), headers={"Content-Type": "application/json"}
            )
            assert 400 <= answer.status_code < 500, (sent if len(str(sent)) < 300 else "long", answer.text)
    nested = '{"a":' * 3000 + "{}" + "}" * 3000
    for raw in (
        f'{{"mfa_token": "{real}", "passkey": {{"id": "x", "response": {nested}}}}}',
        f'{{"credential": {{"id": "x", "response": {nested}}}}}',
    ):
        for path in (SECOND_FACTOR, "/api/v1/auth/passkeys/authentication"):
            answer = await service.client.post(
                path, content=raw, headers={"Content-Type": "application/json"}
            )
            assert 400 <= answer.status_code < 500, (path, answer.status_code, answer.text[:200])


async def test_a_password_change_ends_the_sign_ins_waiting_for_their_factor(service: Service) -> None:
    # Someone signed in with the old password and waits at the second step, a stolen recovery code in hand;
    # the owner changes the password: what the old one proved no longer opens anything.
    owner, _, codes = await signed_in_with_totp(service)
    waiting = await mfa_token(service)
    changed = await service.client.post(
        "/api/v1/auth/change-password",
        headers=bearer(owner),
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 200 and "access_token" in changed.json(), changed.text
    late = await service.client.post(SECOND_FACTOR, json={"mfa_token": waiting, "recovery_code": codes[1]})
    assert late.status_code == 400 and "access_token" not in late.json(), late.text


@pytest.fixture
async def keyed(database_url: str, smtp_server: SmtpTestServer) -> AsyncIterator[Service]:
    async with running_service(
        database_url, smtp_server, WEBAUTHN_RP_ID="localhost", WEBAUTHN_ORIGINS=ORIGIN
    ) as service:
        yield service


async def test_a_challenge_serves_only_its_own_ceremony_and_account(keyed: Service) -> None:
    service = keyed
    ada, bob = await signed_up(service), await signed_up(service, "bob@example.com")
    carol = await signed_up(service, "carol@example.com")
    key = SoftAuthenticator()
    assert (await register(service, ada, key)).status_code == 201

    # A registration challenge (Bob's, still open) does not sign anyone in.
    created = (await service.client.post(f"{PASSKEYS}/registration/options", headers=bob)).json()
    forged = key.assertion({"challenge": created["challenge"], "rpId": "localhost"}, origin=ORIGIN)
    refused = await service.client.post(f"{PASSKEYS}/authentication", json={"credential": forged})
    assert refused.status_code == 400 and "access_token" not in refused.json(), refused.text

    # A sign-in challenge registers nothing, nor does another account's registration challenge.
    requested = (await service.client.post(f"{PASSKEYS}/authentication/options", json={})).json()
    carols = (await service.client.post(f"{PASSKEYS}/registration/options", headers=carol)).json()
    for challenge in (requested["challenge"], carols["challenge"]):
        options = {**created, "challenge": challenge}
        credential = SoftAuthenticator().register(options, origin=ORIGIN)
        added = await service.client.post(
            f"{PASSKEYS}/registration", headers=bob, json={"credential": credential}
        )
        assert added.status_code == 400, added.text
    assert (await service.client.get(PASSKEYS, headers=bob)).json()["items"] == []


async def test_the_enrolment_code_cannot_be_guessed_from_another_session(service: Service) -> None:
    # The owner starts an app to shut out someone who has the password; that someone's session must not
    # confirm it by trying codes, which would hand them the recovery codes and end the owner's sessions.
    owner = await verified(service)
    intruder = (await service.login(ADA)).json()
    started = await service.client.post("/api/v1/auth/mfa/totp", headers=bearer(owner))
    assert started.status_code == 201
    right = code(service, started.json()["secret"])
    answers = []
    for guess in range(service.settings.LOGIN_FAILURES_PER_ACCOUNT + 2):
        tried = f"{guess:06d}" if f"{guess:06d}" != right else "999999"
        answers.append(
            (
                await service.client.post(
                    "/api/v1/auth/mfa/totp/confirm", headers=bearer(intruder), json={"code": tried}
                )
            ).status_code
        )
    assert 429 in answers and 200 not in answers, answers


async def test_no_secret_of_a_factor_is_in_an_answer_a_log_or_an_email(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    session, secret, codes = await signed_in_with_totp(service)
    used = await service.client.post(
        SECOND_FACTOR, json={"mfa_token": await mfa_token(service), "recovery_code": codes[0]}
    )
    assert used.status_code == 200
    wrong = await service.client.post(
        SECOND_FACTOR, json={"mfa_token": await mfa_token(service), "recovery_code": codes[0]}
    )
    assert wrong.status_code == 400
    seen = [
        await service.client.get("/api/v1/auth/mfa", headers=bearer(session)),
        await service.client.get("/api/v1/auth/me/export", headers=bearer(session)),
        await service.client.get("/api/v1/auth/me/security-events", headers=bearer(session)),
        await service.client.get("/api/v1/auth/me", headers=bearer(session)),
    ]
    assert all(a.status_code == 200 for a in seen), [a.text for a in seen]
    assert seen[0].json() == {"totp": True, "passkeys": 0, "recovery_codes_left": 9}
    await asyncio.sleep(0.3)  # the emails about the app and the used code
    assert caplog.records and service.smtp.messages  # something was logged and emailed, and looked at
    everything = "\n".join(
        [a.text for a in seen]
        + [r.getMessage() + str(r.__dict__) for r in caplog.records]
        + [m.as_string() for m in service.smtp.messages]
    )
    for secret_text in [secret, *codes, *(c.replace("-", "") for c in codes)]:
        assert secret_text not in everything, secret_text


async def test_a_first_passkey_ends_the_other_sessions_as_a_first_app_does(keyed: Service) -> None:
    # The owner adds a passkey to shut out someone who has the password and a session: that session must
    # not live on, refreshing, without ever showing the factor (as it does not after an app is turned on).
    service = keyed
    owner = await signed_up(service)
    intruder = (await service.login(ADA)).json()
    assert (await register(service, owner, SoftAuthenticator())).status_code == 201
    refreshed = await service.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": intruder["refresh_token"]}
    )
    assert refreshed.status_code == 401, refreshed.text
    assert (await service.client.get("/api/v1/auth/me", headers=bearer(intruder))).status_code == 401
    assert (await service.client.get("/api/v1/auth/me", headers=owner)).status_code == 200


def raw(body: object) -> dict:
    """Keyword arguments that send `body` as JSON as it is written, lone surrogates escaped."""
    return {"content": json.dumps(body), "headers": {"Content-Type": "application/json"}}


async def test_hostile_bodies_on_the_factor_and_passkey_routes_answer_4xx(keyed: Service) -> None:
    service = keyed
    auth = await signed_up(service)
    assert (await service.client.post("/api/v1/auth/mfa/totp", headers=auth)).status_code == 201
    nested = '{"a":' * 3000 + "{}" + "}" * 3000
    bad_strings = ["\ud800", "\udfff" * 20, "7" * 5000, "１２３４５６", ""]
    sent: list[tuple[str, str, dict]] = []
    for text in bad_strings:
        sent += [
            ("POST", "/api/v1/auth/mfa/totp/confirm", raw({"code": text})),
            (
                "POST",
                f"{PASSKEYS}/registration",
                raw({"credential": {"id": text, "rawId": text}, "name": text}),
            ),
            ("PATCH", f"{PASSKEYS}/not-an-id", raw({"name": text})),
            ("POST", "/api/v1/auth/reauthenticate", raw({"totp_code": text})),
        ]
    for wrong in (1, [], None, True, {"a": 1}):
        sent += [
            ("POST", "/api/v1/auth/mfa/totp/confirm", raw({"code": wrong})),
            ("POST", f"{PASSKEYS}/registration", raw({"credential": wrong})),
            ("POST", f"{PASSKEYS}/authentication/options", raw(wrong)),
            ("POST", "/api/v1/auth/mfa/recovery-codes", raw(wrong)),
        ]
    sent += [
        ("POST", f"{PASSKEYS}/registration", {"content": '{"credential": {"response": ' + nested + "}}"}),
        ("POST", "/api/v1/auth/reauthenticate", {"content": '{"passkey": {"response": ' + nested + "}}"}),
    ]
    for method, path, kwargs in sent:
        kwargs.setdefault("headers", {"Content-Type": "application/json"})
        answer = await service.client.request(
            method, path, headers={**auth, **kwargs.pop("headers")}, **kwargs
        )
        lowest = 200 if path.endswith("/options") else 400  # the options take no body: it is not read
        assert lowest <= answer.status_code < 500, (method, path, answer.status_code, answer.text[:300])
    # Another account's passkey id, or none at all, is not found, whatever the method.
    for method in ("PATCH", "DELETE"):
        answer = await service.client.request(
            method, f"{PASSKEYS}/00000000-0000-0000-0000-000000000000", headers=auth, json={"name": "x"}
        )
        assert answer.status_code == 404, answer.text


async def verified_admin(service: Service) -> dict:
    from application.admin.create_admin import NewAdmin
    from entrypoints.container import build_container, close_container

    made = build_container(service.settings)
    try:
        await made.create_admin().execute(NewAdmin("root@example.com", "admin password 1"))
    finally:
        await close_container(made)
    return dict((await service.login("root@example.com", "admin password 1")).json())


async def test_an_administrator_removes_factors_only_with_a_fresh_sign_in(service: Service) -> None:
    session = await verified(service)
    await enrol(service, session)
    admin = await verified_admin(service)
    service.clock.advance(timedelta(seconds=service.settings.REAUTH_MAX_AGE_SECONDS + 1))
    refreshed = await service.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": admin["refresh_token"]}
    )
    stale = refreshed.json()
    reset = await service.client.delete(f"/api/v1/users/{session['user']['id']}/mfa", headers=bearer(stale))
    assert (reset.status_code, reset.json()["error_code"]) == (401, "reauthentication_required")
    assert (await service.login(ADA)).json()["mfa_required"] is True


@pytest.fixture
async def pg_keyed(pg_url: str, smtp_server: SmtpTestServer) -> AsyncIterator[Service]:
    async with running_service(
        pg_url,
        smtp_server,
        WEBAUTHN_RP_ID="localhost",
        WEBAUTHN_ORIGINS=ORIGIN,
        LOGIN_FAILURES_PER_ACCOUNT=1000,
        RATE_LIMIT_PER_IP_PER_MINUTE=1000,
    ) as service:
        yield service


@pytest.mark.postgres
async def test_no_sign_in_without_the_factor_outlives_a_first_passkey_added_meanwhile(
    pg_keyed: Service,
) -> None:
    service = pg_keyed
    owner = await signed_up(service)
    key = SoftAuthenticator()
    options = await service.client.post(f"{PASSKEYS}/registration/options", headers=owner)
    credential = key.register(options.json(), origin=ORIGIN)

    async def add() -> httpx.Response:
        return await service.client.post(
            f"{PASSKEYS}/registration", headers=owner, json={"credential": credential}
        )

    answers = await asyncio.gather(add(), *(service.login(ADA) for _ in range(30)))
    assert answers[0].status_code == 201, answers[0].text
    sessions = [a.json() for a in answers[1:] if "refresh_token" in a.json()]
    for session in sessions:
        refreshed = await service.client.post(
            "/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]}
        )
        assert refreshed.status_code == 401, (len(sessions), refreshed.text[:100])


@pytest.mark.postgres
async def test_no_one_factor_passkey_sign_in_outlives_an_app_confirmed_meanwhile(pg_keyed: Service) -> None:
    service = pg_keyed
    owner = await signed_up(service)
    key = SoftAuthenticator(user_verification=False, always_zero=True)
    assert (await register(service, owner, key)).status_code == 201
    # A passkey without user verification signs in as one factor, while the account has no app.
    fresh = (
        await service.client.post(
            f"{PASSKEYS}/authentication", json={"credential": await assertion(service, key)}
        )
    ).json()
    auth = bearer(fresh)
    up = await service.client.post("/api/v1/auth/reauthenticate", headers=auth, json={"password": PASSWORD})
    up = await service.client.post(
        "/api/v1/auth/reauthenticate",
        headers={"Authorization": f"Bearer {up.json()['access_token']}"},
        json={"passkey": await assertion(service, key)},
    )
    assert "mfa" in claims(up.json()["access_token"])["amr"], up.text
    auth = {"Authorization": f"Bearer {up.json()['access_token']}"}
    started = (await service.client.post("/api/v1/auth/mfa/totp", headers=auth)).json()
    credentials = [await assertion(service, key) for _ in range(30)]

    async def sign_in(credential: dict) -> httpx.Response:
        return await service.client.post(f"{PASSKEYS}/authentication", json={"credential": credential})

    async def confirm() -> httpx.Response:
        return await service.client.post(
            "/api/v1/auth/mfa/totp/confirm", headers=auth, json={"code": code(service, started["secret"])}
        )

    answers = await asyncio.gather(confirm(), *(sign_in(c) for c in credentials))
    assert answers[0].status_code == 200, answers[0].text
    for session in [a.json() for a in answers[1:] if "refresh_token" in a.json()]:
        refreshed = await service.client.post(
            "/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]}
        )
        assert refreshed.status_code == 401, refreshed.text[:100]


INTROSPECTION = "i" * 40


async def test_introspection_is_no_way_around_the_roles_that_need_a_second_factor(
    database_url: str, smtp_server: SmtpTestServer
) -> None:
    # A resource server that trusts introspection's `active` and `role` must not be told an administrator's
    # token stands when this service itself refuses it for want of the second factor (MFA_REQUIRED_ROLES).
    async with running_service(
        database_url, smtp_server, MFA_REQUIRED_ROLES="admin", INTROSPECTION_SECRET=INTROSPECTION
    ) as service:
        admin = await verified_admin(service)
        token = admin["access_token"]
        refused = await service.client.get("/api/v1/users", headers=bearer(admin))
        assert (refused.status_code, refused.json()["error_code"]) == (403, "mfa_enrollment_required")

        async def introspected(token: str) -> dict:
            answer = await service.client.post(
                "/api/v1/auth/introspect",
                headers={"Authorization": f"Bearer {INTROSPECTION}"},
                json={"token": token},
            )
            assert answer.status_code == 200, answer.text
            return dict(answer.json())

        assert await introspected(token) == {"active": False}
        # Once the administrator signs in with the factor, the token stands, and says how it was proved.
        secret, _ = await enrol(service, admin)
        first = (await service.login("root@example.com", "admin password 1")).json()
        done = await service.client.post(
            SECOND_FACTOR, json={"mfa_token": first["mfa_token"], "totp_code": code(service, secret)}
        )
        assert (await service.client.get("/api/v1/users", headers=bearer(done.json()))).status_code == 200
        status = await introspected(done.json()["access_token"])
        assert status["active"] is True and status["role"] == "admin"
        assert (
            "mfa" in status["amr"] and status["auth_time"] == claims(done.json()["access_token"])["auth_time"]
        )


async def test_an_unverified_account_turns_no_app_on(service: Service) -> None:
    # Pre-hijacking: someone signs up with another person's address, never proves it, and turns an app on;
    # the person, who later proves the address by an emailed code or a reset, is stopped at a factor
    # someone else holds. A passkey is refused to an unverified account; so is an app.
    assert (await service.signup(ADA)).status_code == 201
    login = await service.login(ADA)
    assert login.status_code == 200 and "access_token" in login.json(), login.text
    started = await service.client.post("/api/v1/auth/mfa/totp", headers=bearer(login.json()))
    assert (started.status_code, started.json()["error_code"]) == (403, "account_not_verified")
