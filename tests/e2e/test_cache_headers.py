"""No cache keeps an answer to a caller who showed credentials: every GET route, walked from the app."""

from __future__ import annotations

import base64
import re
import uuid

from fastapi.routing import iter_route_contexts

from tests.e2e.conftest import running_service
from tests.e2e.test_account_flow import verified_admin
from tests.settings import OPERATOR
from tests.smtp_server import SmtpTestServer

SECRET = "whsec_" + base64.b64encode(b"c" * 32).decode()
# Answers that hold personal data, asked by their owner or an administrator: each must be a 200 here.
PERSONAL = {
    "/api/v1/auth/me",
    "/api/v1/auth/me/export",
    "/api/v1/auth/me/security-events",
    "/api/v1/auth/sessions",
    "/api/v1/users",
    "/api/v1/users/",
    "/api/v1/users/{user_id}",
    "/api/v1/users/{user_id}/events",
    "/api/v1/mail/suppressions",
    "/api/v1/webhooks",
}


async def test_every_get_answer_to_a_bearer_is_no_store(pg_url: str, smtp_server: SmtpTestServer) -> None:
    async with running_service(
        pg_url,
        smtp_server,
        BOUNCE_WEBHOOK_SECRET=SECRET,
        INTROSPECTION_SECRET="i" * 40,
        WEBHOOK_ALLOW_PRIVATE=True,
    ) as service:
        admin = await verified_admin(service)
        me = (await service.client.get("/api/v1/auth/me", headers=admin)).json()
        await service.client.post(
            "/api/v1/webhooks",
            headers=admin,
            json={"url": "http://127.0.0.1:9/hooks", "events": ["user.created"]},
        )
        assert service.app is not None
        # Every route as the app routes them (included routers flattened), so a new one is walked too.
        paths = sorted(
            {r.path for r in iter_route_contexts(service.app.routes) if "GET" in (r.methods or ())}
        )
        assert set(paths) >= PERSONAL, paths
        for template in paths:
            path = re.sub(
                r"\{(\w+)\}", lambda m: me["id"] if m[1] == "user_id" else str(uuid.uuid4()), template
            )
            answer = await service.client.get(path, headers=admin)
            if template == "/.well-known/jwks.json":  # public keys: a cache should keep them
                assert answer.headers["cache-control"].startswith("public"), answer.headers
                continue
            assert answer.headers.get("cache-control") == "no-store", (template, answer.status_code)
            if template in PERSONAL:
                assert answer.status_code == 200, (template, answer.text)

        # Other credentials are credentials too: the operator's token on /metrics.
        assert (await service.client.get("/metrics", headers=OPERATOR)).headers["cache-control"] == "no-store"
        # A refused token's answer is not kept either; an anonymous request is left as it was.
        refused = await service.client.get("/api/v1/auth/me", headers={"Authorization": "Bearer nonsense"})
        assert (refused.status_code, refused.headers["cache-control"]) == (401, "no-store")
        assert "cache-control" not in (await service.client.get("/health/live")).headers
