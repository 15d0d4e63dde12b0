"""Passkeys end to end on PostgreSQL (and SQLite), with a software authenticator making real WebAuthn
responses: registering, the list, renaming and removing, signing in without a password, and what is refused
(another origin or RP id, a replayed challenge, a counter that goes backwards, hostile bodies)."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from email.message import EmailMessage
from typing import Any

import pytest

from tests.e2e.conftest import Service, code_in, running_service
from tests.smtp_server import SmtpTestServer
from tests.webauthn_authenticator import SoftAuthenticator, b64url, from_b64url

ORIGIN = "http://localhost:8000"
PASSKEYS = "/api/v1/auth/passkeys"
ONE_PASSWORD = "bada5566-a7aa-401f-bd96-45619a55120d"


@pytest.fixture
async def service(database_url: str, smtp_server: SmtpTestServer) -> AsyncIterator[Service]:
    async with running_service(
        database_url, smtp_server, WEBAUTHN_RP_ID="localhost", WEBAUTHN_ORIGINS=ORIGIN
    ) as service:
        yield service


async def email_to(service: Service, address: str, count: int = 1) -> EmailMessage:
    """The `count`-th email to `address`, once it has come."""
    for _ in range(200):
        if len(mine := [m for m in service.smtp.messages if m["To"] == address]) >= count:
            return mine[count - 1]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no email {count} to {address}")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def signed_up(service: Service, email: str = "ada@example.com") -> dict[str, str]:
    """A verified account's fresh password sign-in (an unverified account adds no passkey)."""
    assert (await service.signup(email)).status_code == 201
    code = code_in(await email_to(service, email))
    verified = await service.client.post("/api/v1/auth/verify-code", json={"email": email, "code": code})
    assert verified.status_code == 200, verified.text
    return bearer((await service.login(email)).json()["access_token"])


async def register(
    service: Service, auth: dict[str, str], authenticator: SoftAuthenticator, **body: Any
) -> Any:
    options = await service.client.post(f"{PASSKEYS}/registration/options", headers=auth)
    assert options.status_code == 200, options.text
    credential = authenticator.register(options.json(), origin=ORIGIN)
    return await service.client.post(
        f"{PASSKEYS}/registration", headers=auth, json={"credential": credential, **body}
    )


async def assertion(service: Service, authenticator: SoftAuthenticator, **lie: Any) -> dict[str, Any]:
    options = (await service.client.post(f"{PASSKEYS}/authentication/options", json={})).json()
    assert "allowCredentials" not in options and options["userVerification"] == "preferred"
    return authenticator.assertion(options, origin=lie.pop("origin", ORIGIN), **lie)


async def sign_in(service: Service, authenticator: SoftAuthenticator, **lie: Any) -> Any:
    credential = await assertion(service, authenticator, **lie)
    return await service.client.post(f"{PASSKEYS}/authentication", json={"credential": credential})


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


async def trail(service: Service, auth: dict[str, str]) -> list[str]:
    answer = await service.client.get("/api/v1/auth/me/security-events", headers=auth)
    return [e["type"] for e in answer.json()["items"]]


async def test_register_sign_in_rename_and_remove_a_passkey(service: Service) -> None:
    password = await signed_up(service)
    synced = SoftAuthenticator(aaguid=ONE_PASSWORD, backup_eligible=True, backed_up=True, always_zero=True)
    created = await register(service, password, synced)
    assert created.status_code == 201, created.text
    passkey = created.json()
    assert passkey["name"] == "1Password" and passkey["backed_up"] is True
    assert passkey["last_used_at"] is None and set(passkey) == {
        "id",
        "name",
        "created_at",
        "last_used_at",
        "backed_up",
    }
    added = await email_to(service, "ada@example.com", 2)  # after the verification email
    assert "1Password" in added.get_body(("plain",)).get_content() and "passkey" in added["Subject"]

    signed_in = await sign_in(service, synced)
    assert signed_in.status_code == 200, signed_in.text
    tokens = signed_in.json()
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "user"}
    assert sorted(claims(tokens["access_token"])["amr"]) == ["hwk", "mfa"]
    auth = bearer(tokens["access_token"])
    [listed] = (await service.client.get(PASSKEYS, headers=auth)).json()["items"]
    assert listed["id"] == passkey["id"] and listed["last_used_at"] is not None

    # The account has a factor now: a password alone is not fresh enough to change its passkeys.
    refused = await service.client.patch(f"{PASSKEYS}/{passkey['id']}", headers=password, json={"name": "X"})
    assert refused.status_code == 401 and refused.json()["error_code"] == "reauthentication_required"
    renamed = await service.client.patch(
        f"{PASSKEYS}/{passkey['id']}", headers=auth, json={"name": " Phone "}
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Phone"
    assert (await service.client.delete(f"{PASSKEYS}/{passkey['id']}", headers=auth)).status_code == 204
    assert (await service.client.get(PASSKEYS, headers=auth)).json()["items"] == []
    removed = await email_to(service, "ada@example.com", 3)
    assert "Phone" in removed.get_body(("plain",)).get_content()
    events = await trail(service, auth)
    assert {"passkey_added", "passkey_used", "passkey_removed"} <= set(events)
    assert (await sign_in(service, synced)).json()["error_code"] == "invalid_passkey"


async def test_without_user_verification_a_passkey_is_one_factor(service: Service) -> None:
    password = await signed_up(service)
    authenticator = SoftAuthenticator(algorithm="EdDSA", user_verification=False)
    assert (await register(service, password, authenticator)).status_code == 201
    # One factor: no mfa in its tokens (the gate will ask an account with TOTP for it).
    tokens = (await sign_in(service, authenticator)).json()
    assert claims(tokens["access_token"])["amr"] == ["hwk"]
    options = (await service.client.post(f"{PASSKEYS}/registration/options", headers=password)).json()
    assert options.get("error_code") == "reauthentication_required"


async def test_excluded_credentials_and_a_second_registration(service: Service) -> None:
    password = await signed_up(service)
    first = SoftAuthenticator()
    assert (await register(service, password, first)).status_code == 201
    auth = bearer((await sign_in(service, first)).json()["access_token"])
    options = (await service.client.post(f"{PASSKEYS}/registration/options", headers=auth)).json()
    assert [from_b64url(c["id"]) for c in options["excludeCredentials"]] == list(first.credentials)
    assert options["rp"] == {"id": "localhost", "name": "Bookly Accounts"}
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [-8, -7, -257]
    second = SoftAuthenticator(algorithm="EdDSA")
    named = await register(service, auth, second, name="Security key")
    assert named.status_code == 201 and named.json()["name"] == "Security key"
    # The same credential again (an authenticator that ignored excludeCredentials) is a clear conflict.
    [taken] = second.credentials
    options = (await service.client.post(f"{PASSKEYS}/registration/options", headers=auth)).json()
    options["excludeCredentials"] = []
    duplicate = SoftAuthenticator().register(options, origin=ORIGIN, credential_id=taken)
    again = await service.client.post(
        f"{PASSKEYS}/registration", headers=auth, json={"credential": duplicate}
    )
    assert again.status_code == 409 and again.json()["error_code"] == "passkey_exists"


async def test_another_accounts_passkey_is_not_found(service: Service) -> None:
    ada = await signed_up(service)
    authenticator = SoftAuthenticator()
    passkey = (await register(service, ada, authenticator)).json()
    bob = await signed_up(service, "bob@example.com")
    for method in ("patch", "delete"):
        answer = await service.client.request(
            method, f"{PASSKEYS}/{passkey['id']}", headers=bob, json={"name": "Mine"}
        )
        assert answer.status_code == 404, (method, answer.text)
    assert (await service.client.get(PASSKEYS, headers=bob)).json()["items"] == []


@pytest.mark.parametrize(
    "lie",
    [{"origin": "https://evil.example"}, {"rp_id": "evil.example"}, {"user_handle": b"\x00" * 16}],
    ids=["another origin", "another RP id", "another user handle"],
)
async def test_an_assertion_from_elsewhere_is_refused(service: Service, lie: dict[str, Any]) -> None:
    password = await signed_up(service)
    authenticator = SoftAuthenticator()
    await register(service, password, authenticator)
    refused = await sign_in(service, authenticator, **lie)
    assert refused.status_code == 400 and refused.json()["error_code"] == "invalid_passkey"


async def test_a_replayed_assertion_is_refused(service: Service) -> None:
    password = await signed_up(service)
    authenticator = SoftAuthenticator()
    await register(service, password, authenticator)
    credential = await assertion(service, authenticator)
    first = await service.client.post(f"{PASSKEYS}/authentication", json={"credential": credential})
    assert first.status_code == 200
    again = await service.client.post(f"{PASSKEYS}/authentication", json={"credential": credential})
    assert again.status_code == 400 and again.json()["error_code"] == "invalid_passkey"


async def test_ten_submissions_of_one_assertion_at_once_sign_in_once(service: Service) -> None:
    password = await signed_up(service)
    authenticator = SoftAuthenticator(always_zero=True)  # nothing but the challenge stops a replay
    await register(service, password, authenticator)
    credential = await assertion(service, authenticator)
    answers = await asyncio.gather(
        *(
            service.client.post(f"{PASSKEYS}/authentication", json={"credential": credential})
            for _ in range(10)
        )
    )
    assert sorted(a.status_code for a in answers) == [200] + [400] * 9


async def test_a_counter_going_backwards_is_refused_and_in_the_trail(service: Service) -> None:
    password = await signed_up(service)
    authenticator = SoftAuthenticator()
    await register(service, password, authenticator)
    auth = bearer((await sign_in(service, authenticator, sign_count=10)).json()["access_token"])
    cloned = await sign_in(service, authenticator, sign_count=4)
    assert cloned.status_code == 400 and cloned.json()["error_code"] == "invalid_passkey"
    assert (await trail(service, auth))[0] == "passkey_clone_detected"
    assert (await sign_in(service, authenticator, sign_count=11)).status_code == 200


async def test_an_always_zero_counter_is_accepted_every_time(service: Service) -> None:
    password = await signed_up(service)
    synced = SoftAuthenticator(always_zero=True, backup_eligible=True, backed_up=True)
    await register(service, password, synced)
    for _ in range(3):
        assert (await sign_in(service, synced)).status_code == 200
    auth = bearer((await sign_in(service, synced)).json()["access_token"])
    assert "passkey_clone_detected" not in await trail(service, auth)


async def test_hostile_bodies_are_refused_with_4xx(service: Service) -> None:
    password = await signed_up(service)
    authenticator = SoftAuthenticator()
    passkey = (await register(service, password, authenticator)).json()
    auth = bearer((await sign_in(service, authenticator)).json()["access_token"])
    valid = await assertion(service, authenticator)
    huge_client_data = {**valid, "response": {**valid["response"], "clientDataJSON": b64url(b"{" * 40_000)}}
    bodies: list[Any] = [
        {},
        {"credential": None},
        {"credential": "x"},
        {"credential": {**valid, "rawId": "\ud800"}},
        {"credential": {**valid, "type": "secret-key"}},
        {"credential": {**valid, "rawId": "!!!not base64!!!"}},
        {"credential": {**valid, "response": {**valid["response"], "clientDataJSON": "%%%"}}},
        {"credential": {**valid, "response": {**valid["response"], "authenticatorData": 5}}},
        {"credential": {**valid, "response": {**valid["response"], "signature": "AAAA"}}},
        {"credential": {**valid, "response": {**valid["response"], "userHandle": "\udfff"}}},
        {"credential": huge_client_data},
        {"credential": {**valid, "rawId": "A" * 60_000}},
        [1, 2],
    ]
    for body in bodies:
        # ASCII JSON, so a lone surrogate goes as the escape "\ud800" a hostile client would send
        answer = await service.client.post(
            f"{PASSKEYS}/authentication",
            content=json.dumps(body),
            headers={"Content-Type": "application/json"},
        )
        assert 400 <= answer.status_code < 500, (str(body)[:80], answer.status_code, answer.text)
    for name in ("x" * 5000, "", "   ", "a\u202eb", "a\nb", "\ud800", 5, None):
        answer = await service.client.patch(
            f"{PASSKEYS}/{passkey['id']}",
            headers={**auth, "Content-Type": "application/json"},
            content=json.dumps({"name": name}),
        )
        assert answer.status_code == 422, (repr(name)[:40], answer.text)
    for path in (f"{PASSKEYS}/not-an-id", f"{PASSKEYS}/%00"):
        assert (await service.client.delete(path, headers=auth)).status_code in (400, 404, 422)
    bad_registration = await service.client.post(
        f"{PASSKEYS}/registration", headers=auth, json={"credential": valid, "name": "x" * 5000}
    )
    assert bad_registration.status_code == 422
    garbage = await service.client.post(
        f"{PASSKEYS}/registration",
        headers=auth,
        json={"credential": {**valid, "response": {"clientDataJSON": "e30", "attestationObject": "////"}}},
    )
    assert garbage.status_code == 400 and garbage.json()["error_code"] == "invalid_passkey"


async def test_sign_in_options_are_limited_per_client(pg_url: str, smtp_server: SmtpTestServer) -> None:
    async with running_service(
        pg_url,
        smtp_server,
        WEBAUTHN_RP_ID="localhost",
        WEBAUTHN_ORIGINS=ORIGIN,
        RATE_LIMIT_PER_IP_PER_MINUTE=3,
    ) as service:
        answers = [
            (await service.client.post(f"{PASSKEYS}/authentication/options", json={})).status_code
            for _ in range(7)  # 429 even if a minute's window ends among them
        ]
        assert answers[:3] == [200, 200, 200] and 429 in answers
