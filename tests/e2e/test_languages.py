"""In the reader's language: emails in the account's, pages and error words in the browser's, English
where nothing fits, and a retry in the language the email was first written in."""

from __future__ import annotations

from adapters.i18n.catalogs import Catalogs
from tests.e2e.conftest import Service, running_service
from tests.smtp_server import SmtpTestServer

CATALOGS = Catalogs()
HTML = {"Accept": "text/html"}


def words(language: str, english: str, **values: str) -> str:
    """What the shipped catalog says for `english` in `language`, filled in (Jinja's trans style)."""
    return (
        CATALOGS.translations(language).gettext(english) % values
        if values
        else CATALOGS.translations(language).gettext(english)
    )


def subject_in(language: str) -> str:
    return words(language, "Confirm your email address for %(product)s", product="Bookly Accounts")


async def test_a_sign_up_in_french_gets_its_email_in_french(service: Service) -> None:
    answer = await service.client.post(
        "/api/v1/auth/signup",
        headers={"Accept-Language": "fr-CH, en;q=0.5"},
        json={"email": "ada@example.com", "password": "correct horse battery"},
    )
    assert answer.json()["user"]["locale"] == "fr"
    email = await service.email(1)
    assert subject_in("fr") != subject_in("en")  # the catalog has it
    assert email["Subject"] == subject_in("fr") and email["Content-Language"] == "fr"
    assert (
        words("fr", "If you did not create an account, you can ignore this email.")
        in email.get_body(("plain",)).get_content()
    )


async def test_a_locale_given_wins_over_the_header_and_an_unknown_one_falls_back_to_english(
    service: Service,
) -> None:
    german = await service.client.post(
        "/api/v1/auth/signup",
        headers={"Accept-Language": "fr"},
        json={"email": "bo@example.com", "password": "correct horse battery", "locale": "de-CH"},
    )
    assert german.json()["user"]["locale"] == "de-CH"
    assert (await service.email(1))["Subject"] == subject_in("de")
    elsewhere = await service.client.post(
        "/api/v1/auth/signup",
        headers={"Accept-Language": "xx, *"},
        json={"email": "cy@example.com", "password": "correct horse battery", "locale": "ja"},
    )
    assert elsewhere.json()["user"]["locale"] == "ja"
    email = await service.email(2)
    assert email["Subject"] == subject_in("en") and email["Content-Language"] == "en"
    bad = await service.client.post(
        "/api/v1/auth/signup",
        json={"email": "di@example.com", "locale": "not a tag", "password": "correct horse battery"},
    )
    assert bad.status_code == 422 and bad.json()["error_code"] == "validation_error"


async def test_the_owner_changes_the_language_of_later_emails(service: Service) -> None:
    await service.signup("ed@example.com")
    session = (await service.login("ed@example.com")).json()
    changed = await service.client.patch(
        "/api/v1/auth/me",
        json={"locale": "de"},
        headers={"Authorization": f"Bearer {session['access_token']}"},
    )
    assert changed.status_code == 200 and changed.json()["locale"] == "de"
    await service.client.post("/api/v1/auth/password-reset-request", json={"email": "ed@example.com"})
    assert (await service.email(2))["Subject"] == words(
        "de", "Reset your %(product)s password", product="Bookly Accounts"
    )


async def test_an_email_retried_after_an_outage_keeps_its_language(pg_url: str) -> None:
    smtp = SmtpTestServer()  # its port is chosen, but nothing listens there yet
    async with running_service(pg_url, smtp) as service:
        await service.client.post(
            "/api/v1/auth/signup",
            headers={"Accept-Language": "fr"},
            json={"email": "fay@example.com", "password": "correct horse battery"},
        )
        with smtp:
            email = (await smtp.wait_for(1, timeout=30))[0]
    assert email["Subject"] == subject_in("fr") and email["Content-Language"] == "fr"


async def test_a_page_is_in_the_browsers_language(service: Service) -> None:
    await service.signup("gil@example.com")
    await service.client.post("/api/v1/auth/password-reset-request", json={"email": "gil@example.com"})
    link = await service.link_in_email(2)
    page = await service.client.get(link, headers={**HTML, "Accept-Language": "de-DE,de;q=0.9,en;q=0.8"})
    assert '<html lang="de">' in page.text and page.headers["content-language"] == "de"
    assert words("de", "Choose a new password") in page.text and "Choose a new password" not in page.text
    english = await service.client.get(link, headers={**HTML, "Accept-Language": "pt-BR"})
    assert '<html lang="en">' in english.text and "Choose a new password" in english.text


async def test_an_error_speaks_the_callers_language_and_keeps_its_code(service: Service) -> None:
    english = await service.login("nobody@example.com", "wrong words")
    french = await service.client.post(
        "/api/v1/auth/login",
        headers={"Accept-Language": "fr"},
        json={"email": "nobody@example.com", "password": "wrong words"},
    )
    assert english.json()["error_code"] == french.json()["error_code"] == "invalid_email_or_password"
    assert french.json()["message"] == words("fr", "Invalid email or password.") != english.json()["message"]
    limited = await service.client.post(
        "/api/v1/auth/signup", headers={"Accept-Language": "de"}, json={"email": "x"}
    )
    assert limited.status_code == 422 and words("de", "is required") in limited.json()["message"]
