"""Events other services receive: webhooks to a real HTTP receiver on loopback, which checks every signature
with the standardwebhooks package."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest
from standardwebhooks.webhooks import WebhookVerificationError

from tests.e2e.conftest import Service, running_service
from tests.smtp_server import SmtpTestServer
from tests.webhook_receiver import WebhookReceiver

ALL = [
    "user.created",
    "user.verified",
    "user.email_changed",
    "user.password_changed",
    "user.sessions_revoked",
]
PASSWORD = "correct horse battery"
WEBHOOKS = dict(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_TIMEOUT_SECONDS=2)


async def subscribe(service: Service, receiver: WebhookReceiver, events: list[str] = ALL) -> str:
    assert service.container is not None
    return (await service.container.add_webhook().execute(receiver.url, events)).secret


async def test_every_event_arrives_signed_and_holds_no_secret(
    pg_url: str, smtp_server: SmtpTestServer
) -> None:
    async with WebhookReceiver() as receiver, running_service(pg_url, smtp_server, **WEBHOOKS) as service:
        secret = await subscribe(service, receiver)
        await service.signup("ada@example.com")
        token = (await service.link_in_email(1)).rsplit("/", 1)[1]
        await service.client.post("/api/v1/auth/verify", json={"token": token})
        session = (await service.login("ada@example.com")).json()
        bearer = {"Authorization": f"Bearer {session['access_token']}"}
        await service.client.post(
            "/api/v1/auth/change-email",
            headers=bearer,
            json={"new_email": "ada.new@example.com", "password": PASSWORD},
        )
        code = await service.code_in_email(
            2 if (await service.email(2))["To"] == "ada.new@example.com" else 3
        )
        await service.client.post(
            "/api/v1/auth/confirm-email-code",
            headers=bearer,
            json={"email": "ada.new@example.com", "code": code},
        )
        await service.client.post(
            "/api/v1/auth/change-password",
            headers=bearer,
            json={"current_password": PASSWORD, "new_password": "a brand new secret"},
        )

        received = await receiver.wait_for(5)
        events = [r.verified(secret) for r in received]
        types = [e["type"] for e in events]
        assert types[:3] == ALL[:3] and sorted(types[3:]) == sorted(
            ALL[3:]
        )  # the last two: one change, one time
        assert events[2]["data"]["user"]["email"] == "ada.new@example.com"
        assert all(set(e) == {"type", "timestamp", "data"} for e in events)
        assert set(events[0]["data"]["user"]) == {
            "id",
            "email",
            "username",
            "first_name",
            "last_name",
            "role",
            "is_verified",
            "created_at",
            "locale",
            "disabled",
        }
        everything = b"".join(r.body for r in received).decode()
        for secretive in (PASSWORD, "a brand new secret", token, code, session["refresh_token"], "argon2"):
            assert secretive not in everything
        with pytest.raises(WebhookVerificationError):
            received[0].verified("whsec_" + "A" * 43)  # another secret does not verify


async def test_a_receiver_down_for_ten_seconds_gets_all_thirty_sign_ups_once_back(
    pg_url: str, smtp_server: SmtpTestServer
) -> None:
    receiver = WebhookReceiver()  # its port is chosen, but nothing listens there yet
    async with running_service(pg_url, smtp_server, **WEBHOOKS, OUTBOX_FIRST_RETRY_SECONDS=1) as service:
        secret = await subscribe(service, receiver, ["user.created"])
        signups = await asyncio.gather(*(service.signup(f"reader{n}@example.com") for n in range(30)))
        assert {r.status_code for r in signups} == {201}
        await asyncio.sleep(10)
        async with receiver:
            await receiver.wait_for(30, timeout=40)
            await asyncio.sleep(1)  # room for a duplicate, were there one
        emails = Counter(r.verified(secret)["data"]["user"]["email"] for r in receiver.received)
        assert len(emails) == 30
        by_id = {}
        for r in receiver.received:  # a duplicate, if any, is the same message under the same webhook-id
            assert by_id.setdefault(r.webhook_id, r.body) == r.body
        assert len(by_id) == 30


async def test_a_receiver_answering_202_gets_each_event_once(
    pg_url: str, smtp_server: SmtpTestServer
) -> None:
    async with (
        WebhookReceiver(status=202) as receiver,
        running_service(pg_url, smtp_server, **WEBHOOKS) as service,
    ):
        await subscribe(service, receiver, ["user.created"])
        for n in range(5):
            await service.signup(f"reader{n}@example.com")
        await receiver.wait_for(5)
        await asyncio.sleep(1.5)  # were a 202 taken for a failure, the retries would come by now
        assert len(receiver.received) == 5 and len({r.webhook_id for r in receiver.received}) == 5
        assert (await outbox_webhooks(service))["pending"] == 0


async def test_a_hanging_receiver_is_cut_at_its_timeout_and_holds_back_no_email(
    pg_url: str, smtp_server: SmtpTestServer
) -> None:
    async with (
        WebhookReceiver(hang=True) as hanging,
        WebhookReceiver() as healthy,
        running_service(pg_url, smtp_server, **WEBHOOKS) as service,
    ):
        await subscribe(service, hanging, ["user.created"])
        await subscribe(service, healthy, ["user.created"])
        started = time.monotonic()
        await service.signup("ada@example.com")
        await service.email(1)
        await healthy.wait_for(1)
        assert time.monotonic() - started < 1.5  # neither waited for the hanging receiver's 2 s
        await hanging.wait_for(2, timeout=15)  # cut at 2 s, then tried again
        assert container_rows_error(await delivery_rows(service, hanging.url)) == "no answer within 2 s"


async def outbox_webhooks(service: Service) -> dict:
    from tests.settings import OPERATOR

    return (await service.client.get("/health/ready", headers=OPERATOR)).json()["webhooks"]


async def delivery_rows(service: Service, url: str) -> list[dict]:
    from sqlalchemy import select

    from adapters.sqlalchemy.tables import webhook_deliveries, webhook_subscriptions

    assert service.container is not None
    async with service.container.engine().connect() as connection:
        query = (
            select(webhook_deliveries).join(webhook_subscriptions).where(webhook_subscriptions.c.url == url)
        )
        return [dict(row) for row in (await connection.execute(query)).mappings()]


def container_rows_error(rows: list[dict]) -> str:
    [row] = rows
    return row["last_error"]


async def test_administrators_manage_webhooks_over_the_api(pg_url: str, smtp_server: SmtpTestServer) -> None:
    from application.admin.create_admin import NewAdmin

    async with WebhookReceiver() as receiver, running_service(pg_url, smtp_server, **WEBHOOKS) as service:
        assert service.container is not None
        await service.container.create_admin().execute(NewAdmin("root@example.com", PASSWORD))
        admin = {
            "Authorization": f"Bearer {(await service.login('root@example.com')).json()['access_token']}"
        }
        await service.signup("bo@example.com")
        user = {"Authorization": f"Bearer {(await service.login('bo@example.com')).json()['access_token']}"}

        assert (await service.client.get("/api/v1/webhooks", headers=user)).status_code == 403
        added = await service.client.post(
            "/api/v1/webhooks",
            headers=admin,
            json={"url": receiver.url, "events": ["user.created", "user.verified"]},
        )
        assert added.status_code == 201 and added.headers["cache-control"] == "no-store"
        hook = added.json()
        assert hook["secret"].startswith("whsec_") and hook["events"] == ["user.created", "user.verified"]
        listed = (await service.client.get("/api/v1/webhooks", headers=admin)).json()["items"]
        assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]

        tested = await service.client.post(f"/api/v1/webhooks/{hook['id']}/test", headers=admin)
        assert tested.json()["delivered"] is True and tested.json()["status"] == 200
        assert tested.json()["outcome"] == "delivered"
        assert receiver.received[-1].verified(hook["secret"])["type"] == "webhook.test"

        for refused in (
            {"url": receiver.url, "events": ["user.exploded"]},
            {"url": receiver.url, "events": []},
            {"url": "ftp://example.com/", "events": ["user.created"]},
        ):
            answer = await service.client.post("/api/v1/webhooks", headers=admin, json=refused)
            assert answer.status_code == 422, refused
        assert (
            await service.client.delete(f"/api/v1/webhooks/{hook['id']}", headers=admin)
        ).status_code == 204
        gone = await service.client.delete(f"/api/v1/webhooks/{hook['id']}", headers=admin)
        assert gone.status_code == 404 and gone.json()["error_code"] == "not_found"


async def test_without_the_tests_setting_a_webhook_must_be_public_https(service: Service) -> None:
    assert service.container is not None
    for url in ("http://books.example.com/hooks", "https://127.0.0.1/hooks", "https://localhost:8443/hooks"):
        with pytest.raises(Exception) as refused:
            await service.container.add_webhook().execute(url, ["user.created"])
        assert getattr(refused.value, "code", None) == "invalid_webhook"
        assert "WEBHOOK_ALLOW_PRIVATE=true" in getattr(refused.value, "message", "")  # what would allow it


async def test_the_api_says_which_setting_would_allow_a_private_webhook(service: Service) -> None:
    from application.admin.create_admin import NewAdmin

    assert service.container is not None
    await service.container.create_admin().execute(NewAdmin("root@example.com", PASSWORD))
    admin = {"Authorization": f"Bearer {(await service.login('root@example.com')).json()['access_token']}"}
    refused = await service.client.post(
        "/api/v1/webhooks",
        headers=admin,
        json={"url": "https://127.0.0.1:8443/hooks", "events": ["user.created"]},
    )
    assert refused.status_code == 422 and refused.json()["error_code"] == "invalid_webhook"
    assert "WEBHOOK_ALLOW_PRIVATE=true" in refused.json()["message"]
