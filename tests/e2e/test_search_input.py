"""The administrators' search prefix is written into its statement (so the planner can use the lower(...)
indexes): quotes, backslashes and LIKE's own characters must reach it as plain text, and nothing answers
500."""

from __future__ import annotations

from tests.e2e.conftest import Service
from tests.e2e.test_account_flow import verified_admin

HOSTILE = [
    "'",
    "''; DROP TABLE users; --",
    "\\",
    "%",
    "_",
    "/",
    "//",
    "é",
    "=?utf-8?b?YQ==?=",
    "\u202e",
    "a" * 255,
    "a" * 5000,
    "\x00",
]


async def test_a_search_prefix_is_plain_text_whatever_it_holds(service: Service) -> None:
    admin = await verified_admin(service)
    await service.signup("o'brien@example.com", first_name="50%_off\\x")
    for q in HOSTILE:
        answer = await service.client.get("/api/v1/users", headers=admin, params={"q": q})
        assert answer.status_code in (200, 422), (q, answer.status_code, answer.text[:200])
    for raw in ("%ED%A0%80", "%FF", "%C0%AF"):  # a lone surrogate and broken UTF-8, as bytes in the URL
        assert (await service.client.get(f"/api/v1/users?q={raw}", headers=admin)).status_code in (200, 422)

    async def found(q: str) -> list[str]:
        answer = await service.client.get("/api/v1/users", headers=admin, params={"q": q})
        return [user["email"] for user in answer.json()["items"]]

    assert await found("o'b") == ["o'brien@example.com"]
    assert await found("50%_off\\") == ["o'brien@example.com"]
    assert await found("5_") == []  # "_" is a character here, not LIKE's any-one
    assert await found("users") == await found("%") == []
