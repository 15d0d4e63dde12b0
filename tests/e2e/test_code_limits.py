"""Wrong codes counted across codes and purposes, per address and client and in a row per address; and of
any number of concurrent uses of the right code, exactly one succeeds, the others counted as no guess."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from tests.e2e.conftest import Service, code_in, running_service
from tests.smtp_server import SmtpTestServer

PASSWORD = "correct horse battery"
NEW = {"new_password": "a brand new secret", "confirm_new_password": "a brand new secret"}
WINDOW = 900
ATTACKER = {"X-Forwarded-For": "203.0.113.66"}
OWNER = {"X-Forwarded-For": "198.51.100.20"}  # the person, elsewhere


@pytest.fixture
async def limited(pg_url: str, smtp_server: SmtpTestServer) -> AsyncIterator[Service]:
    """The service with login's default failure limit (the tests' settings raise it), clients told apart by
    X-Forwarded-For, on PostgreSQL."""
    async with running_service(
        pg_url,
        smtp_server,
        LOGIN_FAILURES_PER_ACCOUNT=10,
        LOGIN_FAILURE_WINDOW_SECONDS=WINDOW,
        FORWARDED_ALLOW_IPS="127.0.0.1",
    ) as service:
        yield service


async def newest_code(service: Service, to: str, count: int) -> str:
    """The code of the newest of the first `count` emails that went to `to`."""
    messages = await service.smtp.wait_for(count)
    return code_in([m for m in messages if m["To"] == to][-1])


async def login_code(service: Service, email: str, count: int) -> str:
    await service.client.post("/api/v1/auth/login-code/request", json={"email": email})
    return await newest_code(service, email, count)


async def sign_in(
    service: Service, email: str, code: str, headers: dict[str, str] = ATTACKER
) -> httpx.Response:
    return await service.client.post(
        "/api/v1/auth/login-code", json={"email": email, "code": code}, headers=headers
    )


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


async def wrong_codes_across_purposes(
    service: Service, email: str, emails_so_far: int
) -> list[httpx.Response]:
    """22 wrong codes, at four live codes of three purposes (verification, reset, sign-in twice), four
    each at most so no code dies of them, then six at codes that are no longer there; how many emails went."""
    answers = []
    verification = await newest_code(service, email, emails_so_far)
    for _ in range(4):
        answers.append(
            await service.client.post(
                "/api/v1/auth/verify-code",
                headers=ATTACKER,
                json={"email": email, "code": wrong(verification)},
            )
        )
    await service.client.post("/api/v1/auth/password-reset-request", json={"email": email})
    reset = await newest_code(service, email, emails_so_far + 1)
    for _ in range(4):
        answers.append(
            await service.client.post(
                "/api/v1/auth/password-reset-confirm-code",
                headers=ATTACKER,
                json={"email": email, "code": wrong(reset), **NEW},
            )
        )
    for n in range(2):
        code = await login_code(service, email, emails_so_far + 2 + n)
        for _ in range(4):
            answers.append(await sign_in(service, email, wrong(code)))
    for _ in range(6):
        answers.append(await sign_in(service, email, "000000"))
    return answers


async def test_twenty_wrong_codes_across_codes_then_the_right_one_fails_until_the_window_passes(
    limited: Service,
) -> None:
    await limited.signup("ada@example.com")
    answers = await wrong_codes_across_purposes(limited, "ada@example.com", 1)
    code = await login_code(limited, "ada@example.com", 5)
    refused = await sign_in(limited, "ada@example.com", code)
    assert {a.status_code for a in answers} == {400} and refused.status_code == 400
    assert refused.json() == answers[0].json() and refused.json()["error_code"] == "invalid_code"

    limited.clock.advance(timedelta(seconds=WINDOW))
    code = await login_code(limited, "ada@example.com", 6)
    assert (await sign_in(limited, "ada@example.com", code)).status_code == 200


async def test_the_owners_password_elsewhere_does_not_lift_the_attackers_limit(limited: Service) -> None:
    await limited.signup("bo@example.com")
    await wrong_codes_across_purposes(limited, "bo@example.com", 1)
    owner = await limited.client.post(
        "/api/v1/auth/login", headers=OWNER, json={"email": "bo@example.com", "password": PASSWORD}
    )
    assert owner.status_code == 200
    code = await login_code(limited, "bo@example.com", 5)
    refused = await sign_in(limited, "bo@example.com", code)
    assert refused.status_code == 400 and refused.json()["error_code"] == "invalid_code"
    assert (
        await sign_in(limited, "bo@example.com", code, headers=OWNER)
    ).status_code == 200  # the code lived on


async def test_an_unknown_address_is_answered_and_counted_as_a_known_one(limited: Service) -> None:
    await limited.signup("cy@example.com")
    known = await wrong_codes_across_purposes(limited, "cy@example.com", 1)
    unknown = [await sign_in(limited, "nobody@example.com", "000000") for _ in range(len(known))]
    assert {a.status_code for a in known + unknown} == {400}
    assert {str(a.json()) for a in known + unknown} == {str(known[0].json())}
    runs = await failure_runs(limited)
    assert runs["cy@example.com"] == runs["nobody@example.com"] == len(known)


async def test_a_hundred_wrong_codes_in_a_row_from_many_clients_stop_every_code_until_a_success(
    limited: Service,
) -> None:
    await limited.signup("di@example.com")
    for n in range(10):  # ten clients, each within its own limit
        for _ in range(10):
            answer = await sign_in(
                limited, "di@example.com", "000000", headers={"X-Forwarded-For": f"192.0.2.{n}"}
            )
            assert answer.status_code == 400
    code = await login_code(limited, "di@example.com", 2)
    assert (await sign_in(limited, "di@example.com", code, headers=OWNER)).status_code == 400
    limited.clock.advance(timedelta(days=1))  # no window ends a run
    code = await login_code(limited, "di@example.com", 3)
    assert (await sign_in(limited, "di@example.com", code, headers=OWNER)).status_code == 400

    owner = await limited.client.post(
        "/api/v1/auth/login", headers=OWNER, json={"email": "di@example.com", "password": PASSWORD}
    )
    assert owner.status_code == 200  # a success: the run ends
    assert (await sign_in(limited, "di@example.com", code, headers=OWNER)).status_code == 200


async def failure_runs(service: Service) -> dict[str, int]:
    from sqlalchemy import select

    from adapters.sqlalchemy.tables import code_failures

    assert service.container is not None
    async with service.container.engine().connect() as connection:
        rows = await connection.execute(select(code_failures.c.email, code_failures.c.count))
        return {email: count for email, count in rows}


# Twenty concurrent uses of the right code in every flow by code, on PostgreSQL and SQLite. The failure limit
# is login's default, ten: were the nineteen that lost counted as wrong guesses, the client's next right
# code would be refused. The password hash costs what it does by default: a sign-in into an unverified
# account and a reset hash before they use the code up, which with the tests' cheap hash came first.


async def setup_verify(service: Service) -> tuple[str, dict, dict[str, str], str]:
    await service.signup("eve@example.com")
    return (
        "/api/v1/auth/verify-code",
        {"email": "eve@example.com", "code": await service.code_in_email(1)},
        {},
        "eve@example.com",
    )


async def setup_login(service: Service) -> tuple[str, dict, dict[str, str], str]:
    await service.signup("eve@example.com")
    code = await login_code(service, "eve@example.com", 2)
    return "/api/v1/auth/login-code", {"email": "eve@example.com", "code": code}, {}, "eve@example.com"


async def setup_reset(service: Service) -> tuple[str, dict, dict[str, str], str]:
    await service.signup("eve@example.com")
    await service.client.post("/api/v1/auth/password-reset-request", json={"email": "eve@example.com"})
    code = await newest_code(service, "eve@example.com", 2)
    return (
        "/api/v1/auth/password-reset-confirm-code",
        {"email": "eve@example.com", "code": code, **NEW},
        {},
        "eve@example.com",
    )


async def setup_change(service: Service) -> tuple[str, dict, dict[str, str], str]:
    await service.signup("eve@example.com")
    await service.client.post(
        "/api/v1/auth/verify-code", json={"email": "eve@example.com", "code": await service.code_in_email(1)}
    )
    session = (await service.login("eve@example.com")).json()
    bearer = {"Authorization": f"Bearer {session['access_token']}"}
    await service.client.post(
        "/api/v1/auth/change-email",
        headers=bearer,
        json={"new_email": "eve.new@example.com", "password": PASSWORD},
    )
    for count in range(2, 5):
        if any(m["To"] == "eve.new@example.com" for m in await service.smtp.wait_for(count)):
            break
    code = await newest_code(service, "eve.new@example.com", count)
    return (
        "/api/v1/auth/confirm-email-code",
        {"email": "eve.new@example.com", "code": code},
        bearer,
        "eve.new@example.com",
    )


@pytest.mark.parametrize(
    "setup",
    [setup_verify, setup_login, setup_reset, setup_change],
    ids=["verify-code", "login-code", "password-reset-confirm-code", "confirm-email-code"],
)
async def test_twenty_concurrent_uses_of_the_right_code_make_exactly_one_success(
    database_url: str, smtp_server: SmtpTestServer, setup
) -> None:  # type: ignore[no-untyped-def]
    async with running_service(
        database_url,
        smtp_server,
        LOGIN_FAILURES_PER_ACCOUNT=10,
        PASSWORD_HASH_MEMORY_KIB=19456,
        PASSWORD_HASH_TIME_COST=2,
    ) as service:
        path, body, headers, address = await setup(service)
        answers = await asyncio.gather(
            *(service.client.post(path, json=body, headers=headers) for _ in range(20))
        )
        assert sorted(a.status_code for a in answers) == [200] + [400] * 19
        assert {a.json()["error_code"] for a in answers if a.status_code == 400} == {"invalid_code"}

        sent = len(service.smtp.messages)
        await service.client.post("/api/v1/auth/login-code/request", json={"email": address})
        code = await newest_code(service, address, sent + 1)
        again = await service.client.post("/api/v1/auth/login-code", json={"email": address, "code": code})
        assert again.status_code == 200, "the uses beaten to the code were counted as wrong guesses"
        assert address not in await failure_runs(service)
