"""Both flows finished from the inbox in a real browser: Debian's Chromium, driven by Playwright."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

from adapters.mail.templates import JinjaEmailRenderer
from tests.conftest import unavailable
from tests.e2e.conftest import Service, serving_over_http
from tests.smtp_server import SmtpTestServer

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        unavailable("no Chromium: install Debian's chromium package (apt-get install chromium)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        await browser.close()


@pytest.fixture
async def service(database_url: str, smtp_server: SmtpTestServer) -> AsyncIterator[Service]:
    """A browser needs a real URL: here the app is served over a loopback socket."""
    async with serving_over_http(database_url, smtp_server) as service:
        yield service


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 390, "height": 844})  # a phone's screen
    yield await context.new_page()
    await context.close()


async def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def test_a_person_verifies_and_resets_from_the_inbox(service: Service, page: Page) -> None:
    await service.signup("ada@example.com", first_name="Ada")
    response = await page.goto(await service.link_in_email(1))
    assert response is not None and response.status == 200
    # Opening the link asks; the button does it (issue 12: a mail scanner opens every link first).
    assert await page.locator("h1").inner_text() == "Confirm ada@example.com"
    await shot(page, "confirm-address")
    await page.get_by_role("button", name="Confirm my address").click()
    assert await page.locator("h1").inner_text() == "Your email address is verified"
    await shot(page, "verified")

    await service.client.post("/api/v1/auth/password-reset-request", json={"email": "ada@example.com"})
    response = await page.goto(await service.link_in_email(2))
    assert response is not None
    assert (
        response.headers["cache-control"] == "no-store"
        and response.headers["referrer-policy"] == "no-referrer"
    )
    # Issue 22: a link is in the buttons' colour, not the browser's default blue.
    colour = "e => getComputedStyle(e).{}"
    assert await page.locator("main a").first.evaluate(colour.format("color")) == await page.get_by_role(
        "button", name="Set new password"
    ).evaluate(colour.format("backgroundColor"))
    await page.get_by_label("New password", exact=True).fill("a brand new secret")
    await page.get_by_label("New password, again").fill("a different secret")
    await page.get_by_role("button", name="Set new password").click()
    mismatch = page.locator("#confirm_new_password-error")
    assert "do not match" in await mismatch.inner_text()
    assert await page.get_by_label("New password, again").get_attribute("aria-invalid") == "true"
    await shot(page, "reset-mismatch")

    await page.get_by_label("New password", exact=True).fill("a brand new secret")
    await page.get_by_label("New password, again").fill("a brand new secret")
    await page.get_by_role("button", name="Set new password").click()
    assert await page.locator("h1").inner_text() == "Your password has been reset"
    assert "log in with your new password" in await page.locator("main").inner_text()
    await shot(page, "reset-done")

    assert (await service.login("ada@example.com", "a brand new secret")).status_code == 200
    assert (await service.login("ada@example.com")).status_code == 401


async def test_an_expired_link_explains_itself_and_offers_a_new_one(service: Service, page: Page) -> None:
    await service.signup("bo@example.com")
    link = await service.link_in_email(1)
    service.clock.advance(timedelta(hours=25))
    response = await page.goto(link)
    assert response is not None and response.status == 400
    assert await page.locator("h1").inner_text() == "This link has expired"
    await shot(page, "expired")

    service.clock.advance(timedelta(hours=-25))
    await page.get_by_label("Email address").fill("bo@example.com")
    await page.get_by_role("button", name="Send a new verification link").click()
    assert await page.locator("h1").inner_text() == "Check your inbox"
    assert "/api/v1/auth/verify/" in await service.link_in_email(2)


async def test_a_weak_password_is_explained_next_to_its_field(service: Service, page: Page) -> None:
    await service.signup("cy@example.com")
    await service.client.post("/api/v1/auth/password-reset-request", json={"email": "cy@example.com"})
    await page.goto(await service.link_in_email(2))
    await page.get_by_label("New password", exact=True).fill("iloveyou1")
    await page.get_by_label("New password, again").fill("iloveyou1")
    await page.get_by_role("button", name="Set new password").click()
    assert "common" in await page.locator("#new_password-error").inner_text()


async def test_an_expired_reset_link_offers_a_new_one(service: Service, page: Page) -> None:
    await service.signup("di@example.com")
    await service.client.post("/api/v1/auth/password-reset-request", json={"email": "di@example.com"})
    link = await service.link_in_email(2)
    service.clock.advance(timedelta(hours=2))
    await page.goto(link)
    assert await page.locator("h1").inner_text() == "This link has expired"
    service.clock.advance(timedelta(hours=-2))
    await page.get_by_label("Email address").fill("di@example.com")
    await page.get_by_role("button", name="Send a new reset link").click()
    assert await page.locator("h1").inner_text() == "Check your inbox"
    assert "/password-reset-confirm/" in await service.link_in_email(3)


@pytest.mark.parametrize(
    "language, confirm, done",
    [
        ("en-GB", "Confirm my address", "Your email address is verified"),
        ("fr-FR", "Confirmer mon adresse", None),
        ("de-DE", "Adresse bestätigen", None),
    ],
)
async def test_the_pages_speak_the_browsers_language(
    service: Service, browser: Browser, language: str, confirm: str, done: str | None
) -> None:
    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale=language)
    page = await context.new_page()
    try:
        await service.signup("ada@example.com")
        await page.goto(await service.link_in_email(1))
        assert await page.locator("html").get_attribute("lang") == language[:2]
        await shot(page, f"confirm-address-{language[:2]}")
        await page.get_by_role("button", name=confirm).click()
        heading = await page.locator("h1").inner_text()
        assert heading == done if done else heading != "Your email address is verified"
        await shot(page, f"verified-{language[:2]}")
        await service.client.post("/api/v1/auth/password-reset-request", json={"email": "ada@example.com"})
        await page.goto(await service.link_in_email(2))
        assert await page.locator("html").get_attribute("lang") == language[:2]
        await shot(page, f"reset-form-{language[:2]}")
    finally:
        await context.close()


async def test_the_api_reference_renders_offline_under_its_policy(service: Service, page: Page) -> None:
    """Swagger UI's scripts and styles come from the service: with no network beyond it (as air-gapped),
    the operations still show, and the page's policy refuses nothing it needs."""
    asked: list[str] = []
    refused: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    base = str(service.client.base_url).rstrip("/")
    await page.route(lambda url: not url.startswith(base), lambda route: route.abort())  # no other host
    response = await page.goto(f"{base}/docs")
    assert response is not None and response.status == 200
    signup = page.locator(".opblock-summary-path", has_text="/api/v1/auth/signup").first
    await signup.wait_for(timeout=15_000)
    await signup.click()  # an operation opens, with its answers and its example
    await page.locator(".responses-table").first.wait_for(timeout=5_000)
    await shot(page, "api-reference")
    assert asked and all(url.startswith(base) for url in asked), [u for u in asked if not u.startswith(base)]
    assert refused == []
    redoc = await page.goto(f"{base}/redoc")
    assert redoc is not None and redoc.status == 200
    await page.locator("h2", has_text="Signup").first.wait_for(timeout=15_000)  # an operation, rendered
    await shot(page, "api-reference-redoc")
    assert all(url.startswith(base) for url in asked), [u for u in asked if not u.startswith(base)]
    assert refused == []


async def test_the_html_email_fits_a_phone_with_its_link_written_out(page: Page) -> None:
    # Issue 22: the link written out is one unbroken word of some 200 characters; it must wrap, not widen the
    # message past the screen. The email as the worker renders it, shown at a phone's width.
    link = "http://localhost:8000/api/v1/auth/verify/" + "eyJzdWIiOiJjM2QzYWI1YS0yNGI3LTQxZGQtYWE2MS0" * 4
    html = (
        JinjaEmailRenderer()
        .render(
            "verify_email", {"name": "Ada", "link": link, "code": "482913", "valid_for": timedelta(days=1)}
        )
        .html_body
    )
    await page.set_content(html)
    await shot(page, "email-verify-phone")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
