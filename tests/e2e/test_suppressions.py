"""Addresses that bounce: a 550 or a provider's signed report stops their email; an administrator lifts it."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from datetime import timedelta

from sqlalchemy import select
from standardwebhooks import Webhook

from adapters.sqlalchemy.tables import bounce_receipts, outbox_messages
from tests.e2e.conftest import Service, running_service
from tests.e2e.test_account_flow import verified_admin
from tests.settings import OPERATOR
from tests.smtp_server import SmtpTestServer

SECRET = "whsec_" + base64.b64encode(b"b" * 32).decode()


async def statuses(service: Service) -> list[str]:
    assert service.container is not None
    async with service.container.engine().connect() as connection:
        return [
            r.status
            for r in await connection.execute(
                select(outbox_messages.c.status).order_by(outbox_messages.c.created_at)
            )
        ]


async def settled(service: Service, count: int) -> list[str]:
    for _ in range(200):
        found = await statuses(service)
        if len(found) >= count and "pending" not in found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"the outbox did not settle: {await statuses(service)}")


def signed(body: dict, secret: str = SECRET, ahead: int = 0) -> tuple[bytes, dict]:
    payload = json.dumps(body).encode()
    message_id, now = f"msg_{uuid.uuid4().hex}", int(time.time()) + ahead
    signature = Webhook(secret).sign(message_id, _at(now), payload.decode())
    return payload, {
        "webhook-id": message_id,
        "webhook-timestamp": str(now),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


def _at(seconds: int):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.fromtimestamp(seconds, UTC)


async def test_a_550_suppresses_the_address_and_lifting_it_sends_again(
    pg_url: str, smtp_server: SmtpTestServer
) -> None:
    async with running_service(pg_url, smtp_server, BOUNCE_WEBHOOK_SECRET=SECRET) as service:
        admin = await verified_admin(service)
        smtp_server.fail_next(1, "550 5.1.1 no such mailbox")
        await service.signup("gone@example.com")
        assert await settled(service, 1) == ["dead"]

        reset = await service.client.post(
            "/api/v1/auth/password-reset-request", json={"email": "gone@example.com"}
        )
        unknown = await service.client.post(
            "/api/v1/auth/password-reset-request", json={"email": "new@example.com"}
        )
        assert reset.status_code == unknown.status_code == 200 and reset.json() == unknown.json()
        assert await settled(service, 2) == ["dead", "suppressed"]
        assert smtp_server.messages == []  # nothing was sent to it

        session = (await service.login("gone@example.com")).json()
        me = await service.client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {session['access_token']}"}
        )
        # Not verified: null, never false (issue 23: false told a stranger the address bounced).
        assert me.json()["email_deliverable"] is None
        listed = (await service.client.get("/api/v1/mail/suppressions", headers=admin)).json()["items"]
        assert [(s["email"], s["source"]) for s in listed] == [("gone@example.com", "smtp")]
        assert "550" in listed[0]["reason"]
        metrics = (await service.client.get("/metrics", headers=OPERATOR)).text
        assert 'accounts_emails_total{outcome="suppressed"} 1.0' in metrics

        lifted = await service.client.delete("/api/v1/mail/suppressions/gone@example.com", headers=admin)
        assert lifted.status_code == 204
        assert (
            await service.client.delete("/api/v1/mail/suppressions/gone@example.com", headers=admin)
        ).status_code == 404
        await service.client.post("/api/v1/auth/password-reset-request", json={"email": "gone@example.com"})
        [delivered] = await smtp_server.wait_for(1)
        assert delivered["To"] == "gone@example.com"


async def test_a_signed_bounce_report_suppresses_and_an_unsigned_one_is_refused(
    pg_url: str, smtp_server: SmtpTestServer
) -> None:
    async with running_service(pg_url, smtp_server, BOUNCE_WEBHOOK_SECRET=SECRET) as service:
        admin = await verified_admin(service)
        report = {"email": "Spam.Hater@Example.com", "type": "complaint", "reason": "marked as spam"}
        payload, headers = signed(report)
        unsigned = await service.client.post(
            "/api/v1/mail/bounces", content=payload, headers={"content-type": "application/json"}
        )
        assert (unsigned.status_code, unsigned.json()["error_code"]) == (401, "not_authenticated")
        forged = await service.client.post(
            "/api/v1/mail/bounces",
            content=payload,
            headers=signed(report, "whsec_" + base64.b64encode(b"x" * 32).decode())[1],
        )
        assert forged.status_code == 401
        accepted = await service.client.post("/api/v1/mail/bounces", content=payload, headers=headers)
        assert accepted.status_code == 204
        bad_body, bad_headers = signed({"email": "a@example.com", "type": "soft"})
        assert (
            await service.client.post("/api/v1/mail/bounces", content=bad_body, headers=bad_headers)
        ).status_code == 422
        listed = (await service.client.get("/api/v1/mail/suppressions", headers=admin)).json()["items"]
        assert [(s["email"], s["source"]) for s in listed] == [("spam.hater@example.com", "complaint")]


async def test_without_a_bounce_secret_the_endpoint_is_off(service: Service) -> None:
    payload, headers = signed({"email": "a@example.com", "type": "hard"})
    assert (
        await service.client.post("/api/v1/mail/bounces", content=payload, headers=headers)
    ).status_code == 404


async def test_a_replayed_report_does_nothing_and_one_dated_ahead_is_refused(
    pg_url: str, smtp_server: SmtpTestServer
) -> None:
    async with running_service(pg_url, smtp_server, BOUNCE_WEBHOOK_SECRET=SECRET) as service:
        admin = await verified_admin(service)
        payload, headers = signed({"email": "ada@example.com", "type": "hard", "reason": "mailbox gone"})
        assert (
            await service.client.post("/api/v1/mail/bounces", content=payload, headers=headers)
        ).status_code == 204
        assert (
            await service.client.delete("/api/v1/mail/suppressions/ada@example.com", headers=admin)
        ).status_code == 204
        # The same signed report again, within its five minutes, from anyone who saw it: 204, nothing done.
        for _ in range(2):
            replayed = await service.client.post("/api/v1/mail/bounces", content=payload, headers=headers)
            assert replayed.status_code == 204
        assert (await service.client.get("/api/v1/mail/suppressions", headers=admin)).json()["items"] == []

        # Dated four minutes ahead: refused. Thirty seconds ahead (a relay's clock a little fast): taken.
        report = {"email": "bo@example.com", "type": "complaint"}
        payload, headers = signed(report, ahead=240)
        ahead = await service.client.post("/api/v1/mail/bounces", content=payload, headers=headers)
        assert (ahead.status_code, ahead.json()["error_code"]) == (401, "not_authenticated")
        payload, headers = signed(report, ahead=30)
        assert (
            await service.client.post("/api/v1/mail/bounces", content=payload, headers=headers)
        ).status_code == 204
        listed = (await service.client.get("/api/v1/mail/suppressions", headers=admin)).json()["items"]
        assert [s["email"] for s in listed] == ["bo@example.com"]

        # Housekeeping forgets an id once no copy of its report could pass the signature check.
        assert service.container is not None
        async with service.container.engine().connect() as connection:
            assert len((await connection.execute(select(bounce_receipts))).all()) == 2
        assert await service.container.housekeeping().execute() == 0
        service.clock.advance(timedelta(minutes=7))
        await service.container.housekeeping().execute()
        async with service.container.engine().connect() as connection:
            assert (await connection.execute(select(bounce_receipts))).all() == []


async def test_copies_of_one_report_sent_at_once_to_two_instances_act_once(
    pg_url: str, smtp_server: SmtpTestServer
) -> None:
    async with (
        running_service(pg_url, smtp_server, BOUNCE_WEBHOOK_SECRET=SECRET) as one,
        running_service(pg_url, smtp_server, BOUNCE_WEBHOOK_SECRET=SECRET) as other,
    ):
        admin = await verified_admin(one)
        payload, headers = signed({"email": "cy@example.com", "type": "hard"})
        answers = await asyncio.gather(
            *(
                service.client.post("/api/v1/mail/bounces", content=payload, headers=headers)
                for service in (one, other)
                for _ in range(5)
            )
        )
        assert {a.status_code for a in answers} == {204}
        assert (
            await one.client.delete("/api/v1/mail/suppressions/cy@example.com", headers=admin)
        ).status_code == 204
        await other.client.post("/api/v1/mail/bounces", content=payload, headers=headers)
        assert (await one.client.get("/api/v1/mail/suppressions", headers=admin)).json()["items"] == []


async def test_only_a_verified_owner_learns_that_their_address_bounces(
    pg_url: str, smtp_server: SmtpTestServer
) -> None:
    async with running_service(pg_url, smtp_server, BOUNCE_WEBHOOK_SECRET=SECRET) as service:

        async def me(email: str) -> dict:
            token = (await service.login(email)).json()["access_token"]
            answer = await service.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 200
            return answer.json()

        await service.signup("ada@example.com")
        token = (await service.link_in_email(1)).rsplit("/", 1)[1]
        assert (await service.client.post("/api/v1/auth/verify", json={"token": token})).status_code == 200
        assert (await me("ada@example.com"))["email_deliverable"] is True

        # A stranger signs up with two addresses that are not theirs; one of them bounces, one does not.
        await service.signup("victim@example.com")
        await service.signup("other@example.com")
        for email in ("ada@example.com", "victim@example.com"):
            payload, headers = signed({"email": email, "type": "complaint"})
            assert (
                await service.client.post("/api/v1/mail/bounces", content=payload, headers=headers)
            ).status_code == 204
        assert (await me("ada@example.com"))["email_deliverable"] is False  # the verified owner is told
        victim, other = await me("victim@example.com"), await me("other@example.com")
        assert victim["email_deliverable"] is other["email_deliverable"] is None  # the stranger is not
        assert {k for k in victim if victim[k] != other[k]} == {"id", "email", "created_at"}
