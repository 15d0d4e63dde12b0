"""The pages behind the emailed links, as plain HTTP: CSRF, headers, overrides, a front end's own links."""

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.sqlalchemy.migrate import upgrade
from entrypoints.http.app import create_app
from tests.e2e.conftest import Service, link_in, running_service
from tests.live_server import serving_in_thread
from tests.settings import service_settings
from tests.smtp_server import SmtpTestServer

HTML = {"Accept": "text/html,application/xhtml+xml"}


@pytest.fixture(scope="module")
def form_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """The service on SQLite under uvicorn on a thread of its own, for synchronous Hypothesis tests."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('forms') / 'accounts.db'}"
    upgrade(url)
    with (
        serving_in_thread(create_app(service_settings(url, 25, MAIL_BACKEND="memory"))) as base_url,
        httpx.Client(base_url=base_url) as client,
    ):
        yield client


async def reset_link(service: Service, email: str) -> str:
    await service.signup(email)
    await service.client.post("/api/v1/auth/password-reset-request", json={"email": email})
    return await service.link_in_email(2)


async def test_a_form_post_without_its_csrf_token_is_refused(service: Service) -> None:
    token = (await reset_link(service, "ada@example.com")).rsplit("/", 1)[1]
    fields = {
        "token": token,
        "new_password": "a brand new secret",
        "confirm_new_password": "a brand new secret",
    }
    for csrf in ({}, {"csrf_token": "0" * 64}):
        refused = await service.client.post("/api/v1/auth/password-reset-form", data={**fields, **csrf})
        assert refused.status_code == 403 and "start again" in refused.text
    assert (await service.login("ada@example.com", "a brand new secret")).status_code == 401


async def test_the_verification_link_answers_json_to_api_clients_and_a_page_to_browsers(
    service: Service,
) -> None:
    await service.signup("bo@example.com")
    link = await service.link_in_email(1)
    page = await service.client.get(link, headers=HTML)
    # Issue 12: a browser's GET gets a page that asks, and changes nothing; an API client's JSON GET verifies.
    assert page.headers["content-type"].startswith("text/html") and "Confirm bo@example.com" in page.text
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    api = await service.client.get(link, headers={"Accept": "application/json"})
    assert api.json() == {"message": "Your email address is verified."}
    again = await service.client.get(link, headers={"Accept": "application/json"})
    assert again.json() == {"message": "Your email address was already verified."}
    assert "verified" in (await service.client.get(link, headers=HTML)).text


async def test_a_deployment_overrides_the_templates_and_the_product_name(
    pg_url: str, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    (tmp_path / "confirm_address.html").write_text("<h1>{{ product }} says welcome</h1>")
    async with running_service(
        pg_url, smtp_server, PAGES_TEMPLATES_DIR=tmp_path, PRODUCT_NAME="Shelfie"
    ) as service:
        await service.signup("cy@example.com")
        page = await service.client.get(await service.link_in_email(1), headers=HTML)
        assert page.text == "<h1>Shelfie says welcome</h1>"
        assert "Shelfie" in service.smtp.messages[0]["Subject"]


async def test_a_front_end_of_its_own_gets_the_links_and_the_pages_are_not_linked(
    pg_url: str, smtp_server: SmtpTestServer
) -> None:
    async with running_service(
        pg_url,
        smtp_server,
        VERIFY_URL_TEMPLATE="https://app.example.com/verify?t={token}",
        RESET_URL_TEMPLATE="https://app.example.com/reset#{token}",
    ) as service:
        await service.signup("di@example.com")
        await service.client.post("/api/v1/auth/password-reset-request", json={"email": "di@example.com"})
        texts = [m.get_body(("plain",)).get_content() for m in await service.smtp.wait_for(2)]
    assert "https://app.example.com/verify?t=" in texts[0] and "https://app.example.com/reset#" in texts[1]
    assert all("/api/v1/auth/" not in text for text in texts)


FORMS = [
    "/api/v1/auth/password-reset-form",
    "/api/v1/auth/password-reset-request-form",
    "/api/v1/auth/resend-verification-form",
]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    path=st.sampled_from(FORMS),
    body=st.one_of(
        st.binary(max_size=300),
        st.dictionaries(
            st.sampled_from(["token", "csrf_token", "new_password", "confirm_new_password", "email"]),
            st.text(max_size=80),
        ).map(lambda fields: urlencode(fields).encode()),
    ),
)
def test_no_form_post_gets_a_500(form_client: httpx.Client, path: str, body: bytes) -> None:
    # The form endpoints are left out of the OpenAPI document, so schemathesis does not reach them.
    response = form_client.post(
        path, content=body, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code < 500, response.text


async def test_a_form_that_is_not_utf8_changes_nothing(service: Service) -> None:
    token = (await reset_link(service, "ed@example.com")).rsplit("/", 1)[1]
    page = await service.client.get(f"/api/v1/auth/password-reset-confirm/{token}", headers=HTML)
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    body = (
        f"token={token}&csrf_token={csrf}"
        "&new_password=%ED%BF%BF%ED%BF%BFab&confirm_new_password=%ED%BF%BF%ED%BF%BFab"
    )
    refused = await service.client.post(
        "/api/v1/auth/password-reset-form",
        content=body.encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert refused.status_code == 400
    assert (await service.login("ed@example.com")).status_code == 200  # the password is as it was


def _input(page: str, name: str) -> dict[str, str]:
    """The attributes of the page's input of that name."""
    [tag] = re.findall(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    return dict(re.findall(r'([\w-]+)(?:="([^"]*)")?', tag.removeprefix("<input")))


async def test_the_reset_form_names_its_account_for_people_and_password_managers(service: Service) -> None:
    token = (await reset_link(service, "fa@example.com")).rsplit("/", 1)[1]
    page = (await service.client.get(f"/api/v1/auth/password-reset-confirm/{token}", headers=HTML)).text

    # Issue 22: whoever has two accounts sees which one, and a password manager saves the new password under
    # the username beside it: a hidden text input (a type="hidden" one is not looked at).
    assert "You are choosing a new password for fa@example.com." in page
    username = _input(page, "username")
    assert (username["type"], username["autocomplete"], username["value"]) == (
        "text",
        "username",
        "fa@example.com",
    )
    assert "hidden" in username
    assert _input(page, "new_password")["autocomplete"] == "new-password"

    # Shown again with an error, it names the link's account, not what the form posted.
    csrf = _input(page, "csrf_token")["value"]
    again = await service.client.post(
        "/api/v1/auth/password-reset-form",
        headers=HTML,
        data={
            "token": token,
            "csrf_token": csrf,
            "username": "mallory@example.com",
            "new_password": "a brand new secret",
            "confirm_new_password": "another secret",
        },
    )
    assert again.status_code == 422 and "mallory" not in again.text
    assert _input(again.text, "username")["value"] == "fa@example.com"


async def test_each_success_page_leads_on_to_the_login_url(pg_url: str, smtp_server: SmtpTestServer) -> None:
    login = "https://app.example.com/login"
    new = {"new_password": "a brand new secret", "confirm_new_password": "a brand new secret"}
    async with running_service(pg_url, smtp_server, LOGIN_URL=login) as service:
        await service.signup("gi@example.com")
        verified = await service.client.post(
            "/api/v1/auth/verify-code-form",
            headers=HTML,
            data={"email": "gi@example.com", "code": await service.code_in_email(1)},
        )
        await service.client.post("/api/v1/auth/password-reset-request", json={"email": "gi@example.com"})
        reset = await service.client.post(
            "/api/v1/auth/password-reset-code-form",
            headers=HTML,
            data={"email": "gi@example.com", "code": await service.code_in_email(2), **new},
        )
        session = (await service.login("gi@example.com", new["new_password"])).json()
        await service.client.post(
            "/api/v1/auth/change-email",
            headers={"Authorization": f"Bearer {session['access_token']}"},
            json={"new_email": "gi.new@example.com", "password": new["new_password"]},
        )
        link = link_in(next(m for m in await service.smtp.wait_for(5) if m["To"] == "gi.new@example.com"))
        page = (await service.client.get(link, headers=HTML)).text
        changed = await service.client.post(
            "/api/v1/auth/confirm-email-form",
            headers=HTML,
            data={name: _input(page, name)["value"] for name in ("token", "csrf_token")},
        )

    for done, said in (
        (verified, "Your email address is verified"),
        (reset, "Your password has been reset"),
        (changed, "Your new email address is confirmed"),
    ):
        assert done.status_code == 200 and said in done.text
        assert f'<a class="button" href="{login}">' in done.text


async def test_without_a_login_url_a_success_page_says_what_to_do_next(service: Service) -> None:
    await service.signup("hu@example.com")
    verified = await service.client.post(
        "/api/v1/auth/verify-code-form",
        headers=HTML,
        data={"email": "hu@example.com", "code": await service.code_in_email(1)},
    )

    assert "You can close this page and log in." in verified.text and 'class="button"' not in verified.text
