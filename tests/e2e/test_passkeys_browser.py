"""A passkey made and used by Chromium itself: its virtual authenticator (the DevTools protocol's WebAuthn
domain), a page at https://localhost calling navigator.credentials, the service served over a socket.
What the software authenticator of the other tests makes, a browser makes too, and the service takes it."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import Browser, Page, Route

from tests.e2e.conftest import Service, serving_over_http
from tests.e2e.test_browser import browser  # noqa: F401  (the fixture)
from tests.smtp_server import SmtpTestServer

# The page the ceremonies run on. Routed by the test, never fetched: https://localhost is a secure context
# with a registrable RP id, which the loopback address the service listens on (an IP) is not.
ORIGIN = "https://localhost"
PASSKEYS = "/api/v1/auth/passkeys"
CREATE = """async (options) => {
    const credential = await navigator.credentials.create({
        publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options),
    });
    return credential.toJSON();
}"""
GET = """async (options) => {
    const credential = await navigator.credentials.get({
        publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options),
    });
    return credential.toJSON();
}"""


@pytest.fixture
async def service(pg_url: str, smtp_server: SmtpTestServer) -> AsyncIterator[Service]:
    async with serving_over_http(
        pg_url, smtp_server, WEBAUTHN_RP_ID="localhost", WEBAUTHN_ORIGINS=ORIGIN
    ) as service:
        yield service


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:  # noqa: F811
    context = await browser.new_context()

    async def blank(route: Route) -> None:
        await route.fulfill(
            status=200, content_type="text/html", body="<!doctype html><title>Sign in</title>"
        )

    await context.route(f"{ORIGIN}/**", blank)
    page = await context.new_page()
    await page.goto(f"{ORIGIN}/")
    cdp = await context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable")
    await cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    yield page
    await context.close()


def amr(token: str) -> list[str]:
    payload = token.split(".")[1]
    return sorted(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["amr"])


async def test_chromium_registers_a_passkey_and_signs_in_with_it(service: Service, page: Page) -> None:
    await service.signup("ada@example.com")
    code = await service.code_in_email(1)  # a verified account: an unproven one adds no passkey
    await service.client.post("/api/v1/auth/verify-code", json={"email": "ada@example.com", "code": code})
    auth = {"Authorization": f"Bearer {(await service.login('ada@example.com')).json()['access_token']}"}
    options = (await service.client.post(f"{PASSKEYS}/registration/options", headers=auth)).json()
    credential: dict[str, Any] = await page.evaluate(CREATE, options)
    created = await service.client.post(
        f"{PASSKEYS}/registration", headers=auth, json={"credential": credential}
    )
    assert created.status_code == 201, created.text

    options = (await service.client.post(f"{PASSKEYS}/authentication/options", json={})).json()
    assertion: dict[str, Any] = await page.evaluate(GET, options)
    signed_in = await service.client.post(f"{PASSKEYS}/authentication", json={"credential": assertion})
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["user"]["email"] == "ada@example.com"
    assert amr(signed_in.json()["access_token"]) == ["hwk", "mfa"]  # the authenticator verified its user

    again = await service.client.post(f"{PASSKEYS}/authentication", json={"credential": assertion})
    assert again.status_code == 400 and again.json()["error_code"] == "invalid_passkey"
