"""One credential model for both uses: a passkey completes a password sign-in as a second factor, signs in by
itself (two factors with user verification, one without), and confirms a session again; an authenticator
app completes a passkey sign-in that was one factor. What the first step used is never the second."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pyotp
import pytest

from tests.e2e.conftest import Service, running_service
from tests.e2e.test_passkeys import ORIGIN, assertion, claims, register, sign_in, signed_up
from tests.smtp_server import SmtpTestServer
from tests.webauthn_authenticator import SoftAuthenticator

ADA = "ada@example.com"
SECOND_FACTOR = "/api/v1/auth/login/second-factor"
REAUTH = "/api/v1/auth/reauthenticate"


@pytest.fixture
async def service(database_url: str, smtp_server: SmtpTestServer) -> AsyncIterator[Service]:
    async with running_service(
        database_url, smtp_server, WEBAUTHN_RP_ID="localhost", WEBAUTHN_ORIGINS=ORIGIN
    ) as service:
        yield service


async def with_app(service: Service, auth: dict[str, str]) -> str:
    """Turns an authenticator app on with `auth`'s session; its secret."""
    started = (await service.client.post("/api/v1/auth/mfa/totp", headers=auth)).json()
    code = pyotp.TOTP(started["secret"]).at(service.clock.now())
    confirmed = await service.client.post("/api/v1/auth/mfa/totp/confirm", headers=auth, json={"code": code})
    assert confirmed.status_code == 200, confirmed.text
    service.clock.advance(timedelta(seconds=30))  # past the confirming code's step
    return str(started["secret"])


async def test_a_passkey_completes_a_password_sign_in(service: Service) -> None:
    auth, key = await signed_up(service), SoftAuthenticator(user_verification=False)
    assert (await register(service, auth, key)).status_code == 201
    first = (await service.login(ADA)).json()
    assert first["mfa_required"] is True and first["methods"] == ["passkey"], first
    credential = await assertion(service, key)
    done = await service.client.post(
        SECOND_FACTOR, json={"mfa_token": first["mfa_token"], "passkey": credential}
    )
    assert done.status_code == 200, done.text
    assert set(claims(done.json()["access_token"])["amr"]) == {"pwd", "hwk", "mfa"}


async def test_a_passkey_of_another_account_does_not_complete_the_sign_in(service: Service) -> None:
    ada, bob = await signed_up(service), await signed_up(service, "bob@example.com")
    adas, bobs = SoftAuthenticator(user_verification=False), SoftAuthenticator(user_verification=False)
    assert (await register(service, ada, adas)).status_code == 201
    assert (await register(service, bob, bobs)).status_code == 201
    first = (await service.login(ADA)).json()
    credential = await assertion(service, bobs)
    refused = await service.client.post(
        SECOND_FACTOR, json={"mfa_token": first["mfa_token"], "passkey": credential}
    )
    assert refused.status_code == 400 and refused.json()["error_code"] == "invalid_passkey"


async def test_a_passkey_without_user_verification_needs_the_app_and_with_it_does_not(
    service: Service,
) -> None:
    auth, key = await signed_up(service), SoftAuthenticator(user_verification=False)
    secret = await with_app(service, auth)
    # A passkey is added with a sign-in that holds the factor the account now has.
    code = pyotp.TOTP(secret).at(service.clock.now())
    stepped_up = await service.client.post(REAUTH, headers=auth, json={"totp_code": code})
    assert stepped_up.status_code == 200, stepped_up.text
    service.clock.advance(timedelta(seconds=30))
    with_mfa = {"Authorization": f"Bearer {stepped_up.json()['access_token']}"}
    assert (await register(service, with_mfa, key)).status_code == 201

    one_factor = (await sign_in(service, key)).json()
    assert one_factor["mfa_required"] is True, one_factor
    assert one_factor["methods"] == ["totp", "recovery_code"]  # not the passkey the first step used
    again = await service.client.post(
        SECOND_FACTOR,
        json={"mfa_token": one_factor["mfa_token"], "passkey": await assertion(service, key)},
    )
    assert again.status_code == 400 and again.json()["error_code"] == "method_not_available"
    code = pyotp.TOTP(secret).at(service.clock.now())
    done = await service.client.post(
        SECOND_FACTOR, json={"mfa_token": one_factor["mfa_token"], "totp_code": code}
    )
    assert done.status_code == 200, done.text
    assert set(claims(done.json()["access_token"])["amr"]) == {"hwk", "otp", "mfa"}

    verified = await sign_in(service, key, uv=True)
    assert verified.status_code == 200 and "access_token" in verified.json(), verified.text
    assert set(claims(verified.json()["access_token"])["amr"]) == {"hwk", "mfa"}


async def test_a_passkey_alone_is_the_factor_of_an_account_with_passkeys_only(service: Service) -> None:
    auth, key = await signed_up(service), SoftAuthenticator(user_verification=False)
    assert (await register(service, auth, key)).status_code == 201
    signed_in = await sign_in(service, key)
    assert signed_in.status_code == 200 and "access_token" in signed_in.json(), signed_in.text
    token = signed_in.json()["access_token"]
    assert claims(token)["amr"] == ["hwk"]  # one factor: what is sensitive asks for more
    export = await service.client.get("/api/v1/auth/me/export", headers={"Authorization": f"Bearer {token}"})
    assert export.status_code == 401 and export.json()["error_code"] == "reauthentication_required"


async def test_a_passkey_confirms_a_session_again(service: Service) -> None:
    auth, key = await signed_up(service), SoftAuthenticator(user_verification=True)
    assert (await register(service, auth, key)).status_code == 201
    first = (await service.login(ADA)).json()
    done = await service.client.post(
        SECOND_FACTOR, json={"mfa_token": first["mfa_token"], "passkey": await assertion(service, key)}
    )
    service.clock.advance(timedelta(seconds=service.settings.REAUTH_MAX_AGE_SECONDS + 1))
    # A refresh keeps the session's sign-in as it was: now too old for what is sensitive.
    refreshed = await service.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": done.json()["refresh_token"]}
    )
    token = refreshed.json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    stale = await service.client.get("/api/v1/auth/me/export", headers=headers)
    assert stale.status_code == 401 and stale.json()["error_code"] == "reauthentication_required"
    wrong = await service.client.post(REAUTH, headers=headers, json={"passkey": {"id": "forged"}})
    assert wrong.status_code == 400 and wrong.json()["error_code"] == "invalid_passkey"
    again = await service.client.post(
        REAUTH, headers=headers, json={"passkey": await assertion(service, key)}
    )
    assert again.status_code == 200, again.text
    fresh = again.json()["access_token"]
    assert claims(fresh)["sid"] == claims(token)["sid"] and "mfa" in claims(fresh)["amr"]
    export = await service.client.get("/api/v1/auth/me/export", headers={"Authorization": f"Bearer {fresh}"})
    assert export.status_code == 200, export.text
    assert [f["type"] for f in export.json()["factors"]] == ["passkey"]
