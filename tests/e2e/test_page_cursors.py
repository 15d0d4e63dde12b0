"""Page cursors over HTTP on PostgreSQL: a cursor the service did not issue is a 422, never a 500."""

from __future__ import annotations

import base64
import uuid

from tests.e2e.conftest import Service, running_service
from tests.e2e.test_account_flow import verified_admin
from tests.smtp_server import SmtpTestServer


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


ID = uuid.uuid4()
FORGED = [
    _b64(f"0001-01-01T00:00:00+01:00|{ID}"),  # year 0 once converted to UTC: asyncpg raised, a 500
    _b64(f"9999-12-31T23:59:59-14:00|{ID}"),  # year 10000 in UTC
    _b64(f"2026-01-01T00:00:00+00:00|{ID}"),  # well formed, in range, but never issued
    _b64(f"0001-01-01T00:00:00+01:00|{ID}") + ".AAAAAAAAAAAAAAAAAAAAAA",  # a made-up signature
    "not-a-cursor",
    "....",
    "%00",
]


async def test_only_an_issued_cursor_is_read_on_every_paged_endpoint(
    pg_url: str, smtp_server: SmtpTestServer
) -> None:
    async with running_service(pg_url, smtp_server) as service:
        await _every_paged_endpoint_refuses_forged_cursors(service)


async def _every_paged_endpoint_refuses_forged_cursors(service: Service) -> None:
    admin = await verified_admin(service)
    for n in range(3):
        await service.signup(f"reader{n}@example.com")
    session = (await service.login("reader0@example.com")).json()
    await service.login("reader0@example.com")
    owner = {"Authorization": f"Bearer {session['access_token']}"}
    reader = session["user"]["id"]
    pages = [
        ("/api/v1/auth/me/security-events", owner),
        ("/api/v1/users", admin),
        (f"/api/v1/users/{reader}/events", admin),
    ]
    for path, headers in pages:
        first = (
            await service.client.get(
                path,
                headers=headers,
                params={"limit": 1, "role": "user"} if path == "/api/v1/users" else {"limit": 1},
            )
        ).json()
        assert first["next_cursor"], path
        issued = await service.client.get(
            path, headers=headers, params={"limit": 1, "cursor": first["next_cursor"]}
        )
        assert issued.status_code == 200 and issued.json()["items"] != first["items"], path
        for forged in FORGED:
            answer = await service.client.get(path, headers=headers, params={"cursor": forged})
            assert (answer.status_code, answer.json()["error_code"]) == (422, "validation_error"), (
                path,
                forged,
            )
    # A cursor this service issued for one list is no cursor of another's: the accounts' cursor on a
    # trail, a trail's on the accounts, one account's trail cursor on another's (a retest of issue 23).
    cursors = {}
    for path, headers in pages:
        params = {"limit": 1, "role": "user"} if path == "/api/v1/users" else {"limit": 1}
        cursors[path] = (await service.client.get(path, headers=headers, params=params)).json()["next_cursor"]
    admins_trail = (
        await service.client.get(
            "/api/v1/auth/me/security-events",
            headers=admin,
            params={"limit": 1, "cursor": cursors[pages[0][0]]},
        )
    ).status_code
    users_with_trail_cursor = await service.client.get(
        "/api/v1/users", headers=admin, params={"cursor": cursors[pages[2][0]]}
    )
    trail_with_users_cursor = await service.client.get(
        pages[2][0], headers=admin, params={"cursor": cursors["/api/v1/users"]}
    )
    assert admins_trail == 422
    assert users_with_trail_cursor.status_code == 422 and trail_with_users_cursor.status_code == 422
