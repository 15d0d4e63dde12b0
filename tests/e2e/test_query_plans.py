"""Cost that does not grow with the data: on tables holding a service's years of history, every statement
the hot paths send is planned along an index, never as a sequential scan of a big table.

The tables are filled in SQL (generate_series) and analysed, so the planner sees what it would see in a
service that has run for a while; then the hot paths run through the API, every statement they send is
recorded, and each is EXPLAINed with the parameters it was sent with."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import event, text

from adapters.sqlalchemy.migrate import upgrade
from tests.database import own_database
from tests.e2e.conftest import Service, running_service
from tests.e2e.test_account_flow import verified_admin
from tests.settings import OPERATOR
from tests.smtp_server import SmtpTestServer

INTROSPECTION = "introspection-secret-" + "p" * 20

BIG_TABLES = {
    "users",
    "refresh_tokens",
    "outbox_messages",
    "rate_limits",
    "email_requests",
    "security_events",
}
USERS = 200_000

HISTORY = [
    f"""INSERT INTO users (id, email, password_hash, username, first_name, last_name, role, is_verified, created_at)
        SELECT md5('u' || i)::uuid, 'seed' || i || '@example.org', 'not-a-hash', 'seed' || i, 'Seed' || i,
               'Person' || i, 'user', i % 10 <> 0, now() - interval '1 second' * i
        FROM generate_series(1, {USERS}) AS i""",  # noqa: E501
    f"""INSERT INTO refresh_tokens (token_hash, user_id, family_id, issued_at, expires_at, used_at,
                                   session_expires_at, started_at)
        SELECT md5('t' || i), md5('u' || (i % {USERS} + 1))::uuid, md5('f' || (i / 3))::uuid,
               now() - interval '1 minute' * i, now() - interval '1 minute' * i + interval '14 days',
               now() - interval '1 minute' * i + interval '1 hour', now() + interval '30 days',
               now() - interval '1 minute' * i
        FROM generate_series(1, 400000) AS i""",
    """INSERT INTO outbox_messages (id, message_id, recipient, subject, status, attempts, next_attempt_at,
                                   created_at, sent_at)
        SELECT md5('m' || i)::uuid, '<' || i || '@seed>', 'seed' || (i % 200000) || '@example.org',
               'Verify your email address', 'sent', 1, now() - interval '10 seconds' * i,
               now() - interval '10 seconds' * i, now() - interval '10 seconds' * i
        FROM generate_series(1, 500000) AS i""",
    """INSERT INTO rate_limits (key, window_start, count)
        SELECT 'seed:' || i, now() - interval '1 hour' * (i % 40), 1 FROM generate_series(1, 200000) AS i""",
    """INSERT INTO email_requests (id, kind, email, created_at, processed_at)
        SELECT md5('r' || i)::uuid, 'reset-password', 'seed' || i || '@example.org',
               now() - interval '5 seconds' * i, now() - interval '5 seconds' * i
        FROM generate_series(1, 200000) AS i""",
    f"""INSERT INTO security_events (id, user_id, type, occurred_at, client_ip, device)
        SELECT md5('e' || i)::uuid, md5('u' || (i % {USERS} + 1))::uuid, 'login_succeeded',
               now() - interval '1 minute' * i, '203.0.113.7', 'Firefox on Linux'
        FROM generate_series(1, 300000) AS i""",
]


@pytest.fixture(scope="module")
def history_url(postgres_url: str) -> Iterator[str]:
    import asyncio

    url = asyncio.run(own_database(postgres_url, "plans"))
    upgrade(url)

    async def fill() -> None:
        from adapters.sqlalchemy.engine import create_engine

        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                for statement in HISTORY:
                    await connection.execute(text(statement))
            async with engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(text("ANALYZE"))
        finally:
            await engine.dispose()

    asyncio.run(fill())
    yield url


@pytest.fixture
async def service_on_history(history_url: str, smtp_server: SmtpTestServer) -> AsyncIterator[Service]:
    async with running_service(history_url, smtp_server, INTROSPECTION_SECRET=INTROSPECTION) as service:
        yield service


async def test_no_hot_path_statement_scans_a_big_table(service_on_history: Service) -> None:
    service = service_on_history
    assert service.container is not None
    engine = service.container.engine()
    sent: dict[str, Any] = {}

    def record(
        connection: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        if statement.lstrip().split(None, 1)[0].upper() in {"SELECT", "UPDATE", "DELETE", "INSERT", "WITH"}:
            sent.setdefault(statement, parameters[0] if many else parameters)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        await run_the_hot_paths(service)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)

    scans, bearer_reads = [], {}
    async with engine.connect() as connection:
        for statement, parameters in sent.items():
            [[plan]] = (
                await connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters)
            ).all()
            plan = json.loads(plan) if isinstance(plan, str) else plan
            scans += [
                (node["Relation Name"], statement)
                for node in _nodes(plan[0]["Plan"])
                if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in BIG_TABLES
            ]
            if "AS session_live" in statement:
                bearer_reads[statement] = [
                    node
                    for node in _nodes(plan[0]["Plan"])
                    if node.get("Relation Name") in ("users", "refresh_tokens")
                ]
        await connection.rollback()
    assert len(sent) > 40, sorted(sent)  # the hot paths ran, and were recorded
    assert scans == [], "\n\n".join(f"{table}: {statement}" for table, statement in scans)
    # Every bearer's request (GET /me's with the suppression list, the rest's and introspection's without):
    # the account by its key, and its session's newest refresh token, one index entry read backwards.
    assert len(bearer_reads) == 2, sorted(bearer_reads)
    for statement, nodes in bearer_reads.items():
        assert [(n["Relation Name"], n.get("Index Name"), n.get("Scan Direction")) for n in nodes] == [
            ("users", "pk_users", "Forward"),
            ("refresh_tokens", "ix_refresh_tokens_session", "Backward"),
        ], statement


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


async def run_the_hot_paths(service: Service) -> None:
    """Sign-up, verification, login, refresh, /me, resets, codes, sessions, the trail, the admin search
    and its cursor page, deletion, the worker's rounds and housekeeping: what a year of use sends."""
    client, password = service.client, "correct horse battery"
    admin = await verified_admin(service)
    assert (await service.signup("ada@example.com", first_name="Ada")).status_code == 201
    token = (await service.link_in_email(1)).rsplit("/", 1)[1]
    assert (await client.post("/api/v1/auth/verify", json={"token": token})).status_code == 200
    await service.login("ada@example.com", "wrong password")
    session = (await service.login("ada@example.com")).json()
    bearer = {"Authorization": f"Bearer {session['access_token']}"}
    renewed = (
        await client.post("/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
    ).json()
    bearer = {"Authorization": f"Bearer {renewed['access_token']}"}
    for path in (
        "/api/v1/auth/me",
        "/api/v1/auth/sessions",
        "/api/v1/auth/me/security-events",
        "/api/v1/auth/me/export",
    ):
        assert (await client.get(path, headers=bearer)).status_code == 200, path
    introspected = await client.post(
        "/api/v1/auth/introspect",
        json={"token": renewed["access_token"]},
        headers={"Authorization": f"Bearer {INTROSPECTION}"},
    )
    assert introspected.json()["active"] is True
    assert (await client.patch("/api/v1/auth/me", headers=bearer, json={"last_name": "L"})).status_code == 200

    await client.post("/api/v1/auth/password-reset-request", json={"email": "ada@example.com"})
    await client.post("/api/v1/auth/password-reset-request", json={"email": "nobody@example.org"})
    reset = await service.link_in_email(2)
    done = await client.post(reset, json={"new_password": password, "confirm_new_password": password})
    assert done.status_code == 200
    await client.post("/api/v1/auth/login-code/request", json={"email": "ada@example.com"})
    code = await service.code_in_email(4)
    await client.post("/api/v1/auth/verify-code", json={"email": "ada@example.com", "code": "000000"})
    signed_in = await client.post("/api/v1/auth/login-code", json={"email": "ada@example.com", "code": code})
    bearer = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    await client.post("/api/v1/auth/logout-all", headers=bearer)

    page = (await client.get("/api/v1/users", headers=admin, params={"q": "seed12", "limit": 20})).json()
    await client.get(
        "/api/v1/users", headers=admin, params={"q": "seed12", "limit": 20, "cursor": page["next_cursor"]}
    )
    page = (await client.get("/api/v1/users", headers=admin, params={"limit": 50, "verified": "true"})).json()
    await client.get("/api/v1/users", headers=admin, params={"limit": 50, "cursor": page["next_cursor"]})
    seeded = page["items"][0]["id"]
    for path in (f"/api/v1/users/{seeded}", f"/api/v1/users/{seeded}/events"):
        assert (await client.get(path, headers=admin)).status_code == 200, path
    assert (
        await client.patch(f"/api/v1/users/{seeded}", headers=admin, json={"disabled": True})
    ).status_code == 200
    await client.post(f"/api/v1/users/{seeded}/revoke-sessions", headers=admin)
    await client.get("/health/ready", headers=OPERATOR)
    await client.get("/metrics", headers=OPERATOR)

    await client.request("DELETE", "/api/v1/auth/me", headers=bearer, json={"password": password})
    await service.email(5)  # the deletion's email: the worker's rounds ran
    assert service.container is not None
    await service.container.housekeeping().execute()
