"""Emails people can act on anywhere: no GET changes anything, and a code works wherever the link would."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.conftest import Service, code_in, link_in, running_service
from tests.smtp_server import SmtpTestServer

PASSWORD = "correct horse battery"
NEW = {"new_password": "a brand new secret", "confirm_new_password": "a brand new secret"}
BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)
SCANNERS = [
    {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "User-Agent": BROWSER},
    {"Accept": "*/*"},
    {"Accept": ""},
    {"User-Agent": "Mimecast URL Protect"},
]  # the last: no Accept at all


async def opens(service: Service, link: str, headers: dict[str, str], method: str = "GET"):  # type: ignore[no-untyped-def]
    """What a scanner's request gets: its own headers only, not the API client's Accept."""
    request = service.client.build_request(method, link, headers=headers)
    if "Accept" not in headers:
        del request.headers["accept"]
    return await service.client.send(request)


async def me(service: Service, session: dict) -> dict:
    return (
        await service.client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {session['access_token']}"}
        )
    ).json()


async def test_a_mail_scanner_opening_the_verification_link_verifies_nothing(service: Service) -> None:
    await service.signup("ada@example.com")
    link = await service.link_in_email(1)
    for headers in SCANNERS:
        opened = await opens(service, link, headers)
        assert opened.status_code == 200 and opened.headers["content-type"].startswith("text/html")
        assert "Confirm ada@example.com" in opened.text and "<form" in opened.text
        assert (await opens(service, link, headers, "HEAD")).status_code == 200
    assert (
        await service.client.head(link)
    ).status_code == 200  # even HEAD with a JSON Accept changes nothing
    session = (await service.login("ada@example.com")).json()
    assert (await me(service, session))["is_verified"] is False

    # A person presses the button: the page's form posts the token with its CSRF token.
    page = (await opens(service, link, SCANNERS[0])).text
    fields = {name: page.split(f'name="{name}" value="')[1].split('"')[0] for name in ("token", "csrf_token")}
    done = await service.client.post("/api/v1/auth/verify-form", data=fields, headers=SCANNERS[0])
    assert done.status_code == 200 and "Your email address is verified" in done.text
    assert (await me(service, session))["is_verified"] is True


async def test_a_mail_scanner_opening_the_email_change_link_changes_nothing(service: Service) -> None:
    await service.signup("bo@example.com")
    await service.client.post(
        "/api/v1/auth/verify", json={"token": (await service.link_in_email(1)).rsplit("/", 1)[1]}
    )
    session = (await service.login("bo@example.com")).json()
    bearer = {"Authorization": f"Bearer {session['access_token']}"}
    await service.client.post(
        "/api/v1/auth/change-email",
        headers=bearer,
        json={"new_email": "bo.new@example.com", "password": PASSWORD},
    )
    messages = await service.smtp.wait_for(3)
    link = link_in(next(m for m in messages if m["To"] == "bo.new@example.com"))
    for headers in SCANNERS:
        opened = await opens(service, link, headers)
        assert opened.status_code == 200 and "Use bo.new@example.com for your account" in opened.text
        await opens(service, link, headers, "HEAD")
    assert (await me(service, session))["email"] == "bo@example.com"

    confirmed = await service.client.post(
        "/api/v1/auth/confirm-email", json={"token": link.rsplit("/", 1)[1]}
    )
    assert confirmed.status_code == 200 and confirmed.json()["user"]["email"] == "bo.new@example.com"
    used = await opens(service, link, SCANNERS[0])
    assert used.status_code == 400 and "This link does not work" in used.text


async def test_the_email_change_page_says_when_another_account_took_the_address_meanwhile(
    service: Service,
) -> None:
    await service.signup("cy@example.com")
    await service.client.post(
        "/api/v1/auth/verify", json={"token": (await service.link_in_email(1)).rsplit("/", 1)[1]}
    )
    session = (await service.login("cy@example.com")).json()
    await service.client.post(
        "/api/v1/auth/change-email",
        headers={"Authorization": f"Bearer {session['access_token']}"},
        json={"new_email": "cy.new@example.com", "password": PASSWORD},
    )
    messages = await service.smtp.wait_for(3)
    link = link_in(next(m for m in messages if m["To"] == "cy.new@example.com"))
    await service.signup("cy.new@example.com")  # someone else, before Cy presses the button

    page = (await opens(service, link, SCANNERS[0])).text
    fields = {name: page.split(f'name="{name}" value="')[1].split('"')[0] for name in ("token", "csrf_token")}
    refused = await service.client.post("/api/v1/auth/confirm-email-form", data=fields, headers=SCANNERS[0])
    assert refused.status_code == 400 and "Another account has taken this address" in refused.text
    assert (await me(service, session))["email"] == "cy@example.com"


async def test_each_flow_by_code(service: Service) -> None:
    await service.signup("cy@example.com")
    verification = await service.email(1)
    assert "Content-Language" in verification and verification["Content-Language"] == "en"
    verified = await service.client.post(
        "/api/v1/auth/verify-code", json={"email": "cy@example.com", "code": code_in(verification)}
    )
    assert verified.status_code == 200 and verified.json()["message"] == "Your email address is verified."
    used = await service.client.get(link_in(verification))  # the link died with the code: already verified
    assert used.json()["message"] == "Your email address was already verified."

    old = (await service.login("cy@example.com")).json()
    await service.client.post("/api/v1/auth/password-reset-request", json={"email": "cy@example.com"})
    reset = await service.email(2)
    answer = await service.client.post(
        "/api/v1/auth/password-reset-confirm-code",
        json={"email": "cy@example.com", "code": code_in(reset), **NEW},
    )
    assert answer.status_code == 200
    assert (
        await service.client.post("/api/v1/auth/refresh", json={"refresh_token": old["refresh_token"]})
    ).status_code == 401
    assert (await service.client.post(link_in(reset), json=NEW)).json()["error_code"] == "invalid_token"
    assert "changed" in (await service.email(3))["Subject"]  # the owner is told

    session = (await service.login("cy@example.com", NEW["new_password"])).json()
    bearer = {"Authorization": f"Bearer {session['access_token']}"}
    await service.client.post(
        "/api/v1/auth/change-email",
        headers=bearer,
        json={"new_email": "cy.new@example.com", "password": NEW["new_password"]},
    )
    messages = await service.smtp.wait_for(5)
    to_new = next(m for m in messages if m["To"] == "cy.new@example.com")
    changed = await service.client.post(
        "/api/v1/auth/confirm-email-code",
        headers=bearer,
        json={"email": "cy.new@example.com", "code": code_in(to_new)},
    )
    assert changed.status_code == 200 and changed.json()["user"]["email"] == "cy.new@example.com"
    assert (await service.client.get(link_in(to_new))).json()["error_code"] == "invalid_token"


async def test_wrong_codes_unknown_addresses_and_five_tries(service: Service) -> None:
    await service.signup("di@example.com")
    code = await service.code_in_email(1)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    async def attempt(email: str, digits: str):  # type: ignore[no-untyped-def]
        return await service.client.post("/api/v1/auth/verify-code", json={"email": email, "code": digits})

    refusals = [await attempt("di@example.com", wrong), await attempt("nobody@example.com", code)]
    assert {r.status_code for r in refusals} == {400} and refusals[0].json() == refusals[1].json()
    assert refusals[0].json()["error_code"] == "invalid_code"
    for _ in range(4):  # five wrong in all
        await attempt("di@example.com", wrong)
    assert (await attempt("di@example.com", code)).json()["error_code"] == "invalid_code"  # dead now

    await service.client.post("/api/v1/auth/resend-verification", json={"email": "di@example.com"})
    newer = await service.code_in_email(2)
    assert (await attempt("di@example.com", newer)).status_code == 200


async def test_a_newer_email_retires_the_older_code(service: Service) -> None:
    await service.signup("ed@example.com")
    for _ in range(2):
        await service.client.post("/api/v1/auth/password-reset-request", json={"email": "ed@example.com"})
    older, newer = await service.code_in_email(2), await service.code_in_email(3)
    stale = await service.client.post(
        "/api/v1/auth/password-reset-confirm-code", json={"email": "ed@example.com", "code": older, **NEW}
    )
    assert stale.json()["error_code"] == "invalid_code"
    fresh = await service.client.post(
        "/api/v1/auth/password-reset-confirm-code", json={"email": "ed@example.com", "code": newer, **NEW}
    )
    assert fresh.status_code == 200


async def test_twenty_concurrent_uses_of_one_right_code_make_one_success(service: Service) -> None:
    await service.signup("fay@example.com")
    code = await service.code_in_email(1)
    answers = await asyncio.gather(
        *(
            service.client.post("/api/v1/auth/verify-code", json={"email": "fay@example.com", "code": code})
            for _ in range(20)
        )
    )
    assert sorted(a.status_code for a in answers) == [200] + [400] * 19


async def test_sign_in_by_code(service: Service) -> None:
    await service.signup("gil@example.com")
    known = await service.client.post("/api/v1/auth/login-code/request", json={"email": "gil@example.com"})
    unknown = await service.client.post(
        "/api/v1/auth/login-code/request", json={"email": "nobody@example.com"}
    )
    assert known.status_code == unknown.status_code == 202 and known.json() == unknown.json()
    code = await service.code_in_email(2)
    await asyncio.sleep(0.5)
    assert [m["To"] for m in service.smtp.messages] == ["gil@example.com"] * 2  # the unknown address: nothing

    session = await service.client.post(
        "/api/v1/auth/login-code", json={"email": "gil@example.com", "code": code}
    )
    assert session.status_code == 200 and session.json()["user"]["is_verified"] is True  # the code proved it
    assert session.headers["cache-control"] == "no-store"
    assert (await me(service, session.json()))["email"] == "gil@example.com"
    again = await service.client.post(
        "/api/v1/auth/login-code", json={"email": "gil@example.com", "code": code}
    )
    assert again.status_code == 400 and again.json()["error_code"] == "invalid_code"


async def test_sign_in_by_a_front_ends_link(pg_url: str, smtp_server: SmtpTestServer) -> None:
    async with running_service(
        pg_url, smtp_server, LOGIN_LINK_URL_TEMPLATE="https://app.example.com/sign-in?t={token}"
    ) as service:
        await service.signup("hal@example.com")
        await service.client.get(await service.link_in_email(1))
        await service.client.post("/api/v1/auth/login-code/request", json={"email": "hal@example.com"})
        text = (await service.email(2)).get_body(("plain",)).get_content()
        token = text.split("https://app.example.com/sign-in?t=")[1].split()[0]
        first = await service.client.post("/api/v1/auth/login-link", json={"token": token})
        second = await service.client.post("/api/v1/auth/login-link", json={"token": token})
    assert first.status_code == 200 and first.json()["user"]["email"] == "hal@example.com"
    assert second.status_code == 400 and second.json()["error_code"] == "invalid_token"


async def test_sign_in_by_code_can_be_turned_off(pg_url: str, smtp_server: SmtpTestServer) -> None:
    async with running_service(pg_url, smtp_server, LOGIN_BY_CODE_ENABLED=False) as service:
        for path, body in (
            ("/api/v1/auth/login-code/request", {"email": "a@example.com"}),
            ("/api/v1/auth/login-code", {"email": "a@example.com", "code": "123456"}),
            ("/api/v1/auth/login-link", {"token": "x"}),
        ):
            assert (await service.client.post(path, json=body)).status_code == 404


@pytest.mark.parametrize("how", ["link", "code", "change-password"])
async def test_every_password_change_tells_the_owner(service: Service, how: str) -> None:
    await service.signup("ida@example.com")
    await service.client.get(await service.link_in_email(1))
    if how == "change-password":
        session = (await service.login("ida@example.com")).json()
        answer = await service.client.post(
            "/api/v1/auth/change-password",
            headers={"Authorization": f"Bearer {session['access_token']}"},
            json={"current_password": PASSWORD, "new_password": NEW["new_password"]},
        )
        notice_at = 2
    else:
        await service.client.post("/api/v1/auth/password-reset-request", json={"email": "ida@example.com"})
        reset = await service.email(2)
        if how == "link":
            answer = await service.client.post(link_in(reset), json=NEW)
        else:
            answer = await service.client.post(
                "/api/v1/auth/password-reset-confirm-code",
                json={"email": "ida@example.com", "code": code_in(reset), **NEW},
            )
        notice_at = 3
    assert answer.status_code == 200
    notice = await service.email(notice_at)
    text = notice.get_body(("plain",)).get_content()
    assert notice["To"] == "ida@example.com" and "password" in notice["Subject"].lower()
    assert "UTC" in text and "/api/v1/auth/forgot-password" in text
    assert not code_in_or_none(notice) and "/verify/" not in text and "/password-reset-confirm/" not in text


def code_in_or_none(message) -> bool:  # type: ignore[no-untyped-def]
    from tests.e2e.conftest import CODE

    return bool(CODE.findall(message.get_body(("plain",)).get_content()))
