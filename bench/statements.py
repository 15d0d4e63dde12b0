"""The statements each endpoint sends to PostgreSQL, one request at a time, in process (issue 25's profile).

    .venv/bin/python bench/statements.py

The app as `accounts serve` builds it (the outbox worker off, as in production's API processes), on a
database of its own (bench_statements); each request's statements are caught on the engine and printed with
the transaction boundaries, one line each.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.clock import SystemClock
from adapters.crypto.tokens import ItsdangerousTokenService
from bench.common import fresh_database
from bench.load import PASSWORD, SECRET, TOKEN_SETTINGS
from domain.codes import TokenPurpose
from entrypoints.http.app import create_app
from entrypoints.settings import Settings


async def main() -> None:
    url = await fresh_database("bench_statements")
    os.environ.update(
        {
            **TOKEN_SETTINGS,
            "ENVIRONMENT": "test",
            "DATABASE_URL": url,
            "JWT_SECRET": SECRET,
            "MAIL_BACKEND": "memory",
            "OUTBOX_WORKER_ENABLED": "false",
            "DOMAIN": "127.0.0.1:8000",
            "FORWARDED_ALLOW_IPS": "127.0.0.1",
        }
    )
    app = create_app(Settings())
    sent: list[str] = []
    engine = app.state.container.engine().sync_engine
    event.listen(engine, "before_cursor_execute", lambda _c, _cu, statement, *_: sent.append(statement))
    event.listen(engine, "begin", lambda _c: sent.append("BEGIN"))
    event.listen(engine, "commit", lambda _c: sent.append("COMMIT"))
    event.listen(engine, "rollback", lambda _c: sent.append("ROLLBACK"))
    links = ItsdangerousTokenService(secret=SECRET, clock=SystemClock())
    email = f"profile-{uuid.uuid4().hex[:8]}@bench.example"
    async with (
        LifespanManager(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 1)), base_url="http://127.0.0.1:8000"
        ) as client,
    ):

        async def request(name: str, method: str, path: str, **kwargs: object) -> httpx.Response:
            sent.clear()
            response = await client.request(method, path, **kwargs)
            statements = [s for s in sent if s not in ("BEGIN", "COMMIT", "ROLLBACK")]
            print(
                f"{name}: {response.status_code}, {len(statements)} statements, "
                f"{sent.count('COMMIT')} commits, {sent.count('ROLLBACK')} rollbacks"
            )
            for statement in sent:
                print("    " + " ".join(statement.split())[:150])
            return response

        signup = await request(
            "sign-up", "POST", "/api/v1/auth/signup", json={"email": email, "password": PASSWORD}
        )
        user_id = signup.json()["user"]["id"]
        token = links.issue(TokenPurpose.VERIFY_EMAIL, {"sub": user_id, "email": email})
        await request(
            "verify (first use, JSON)",
            "GET",
            f"/api/v1/auth/verify/{token}",
            headers={"Accept": "application/json"},
        )
        login = await request(
            "sign-in", "POST", "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
        )
        await request(
            "reset request (known)", "POST", "/api/v1/auth/password-reset-request", json={"email": email}
        )
        await request(
            "reset request (unknown)",
            "POST",
            "/api/v1/auth/password-reset-request",
            json={"email": "nobody@bench.example"},
        )
        await request(
            "GET /me",
            "GET",
            "/api/v1/auth/me",
            headers={"Authorization": f"Bearer {login.json()['access_token']}"},
        )


if __name__ == "__main__":
    asyncio.run(main())
