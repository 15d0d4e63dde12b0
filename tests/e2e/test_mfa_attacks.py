"""Attacks on the second factor, passkeys and the fresh-sign-in rule: each a way one was found, or might be,
skipped or abused, kept so it stays closed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import jwt
import pytest

from tests.e2e.conftest import Service, running_service
from tests.e2e.test_second_factors import (
    PASSWORD,
    SECOND_FACTOR,
    bearer,
    code,
    enrol,
    mfa_token,
    verified,
)
from tests.smtp_server import SmtpTestServer

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
