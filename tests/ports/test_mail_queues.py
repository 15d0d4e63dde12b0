"""The EmailRequests and Suppressions ports' contracts, held by the fake and by the SQL adapters on
PostgreSQL and SQLite."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from domain.email import Email
from domain.email_requests import EmailRequest, EmailRequestKind
from domain.suppressions import Suppression, SuppressionSource
from domain.trail import SessionOrigin
from tests.ports.conftest import NOW


def request(n: int, **fields: Any) -> EmailRequest:
    return EmailRequest(
        EmailRequestKind.SIGN_UP, Email.parse(f"r{n}@example.com"), NOW + timedelta(seconds=n), **fields
    )


async def test_requests_are_claimed_oldest_first_until_processed_then_pruned(uow: Any) -> None:
    first, second, third = request(0), request(1, user_id=uuid.uuid4()), request(2)
    async with uow:
        for queued in (third, first, second):
            await uow.email_requests.add(queued)
        await uow.commit()
    async with uow:
        claimed = await uow.email_requests.claim(2)
        assert [r.id for r in claimed] == [first.id, second.id]
        assert claimed[1].user_id == second.user_id and claimed[1].email == second.email
        await uow.email_requests.mark_processed([first.id], NOW + timedelta(minutes=1))
        await uow.email_requests.mark_processed([second.id], NOW + timedelta(minutes=2))
        await uow.commit()
    async with uow:
        assert [r.id for r in await uow.email_requests.claim(10)] == [third.id]
        assert await uow.email_requests.prune(NOW + timedelta(minutes=1)) == 0  # not before it
        assert await uow.email_requests.prune(NOW + timedelta(minutes=3), limit=1) == 1
        assert await uow.email_requests.prune(NOW + timedelta(minutes=3)) == 1
        assert [r.id for r in await uow.email_requests.claim(10)] == [third.id]  # never the unanswered


async def test_a_request_keeps_its_kind_origin_and_trace(uow: Any) -> None:
    queued = EmailRequest(
        EmailRequestKind.CHANGE_EMAIL,
        Email.parse("new@example.com"),
        NOW,
        user_id=uuid.uuid4(),
        origin=SessionOrigin("203.0.113.9", "Firefox on Linux"),
        trace_context="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    )
    async with uow:
        await uow.email_requests.add(queued)
        await uow.commit()
    async with uow:
        [claimed] = await uow.email_requests.claim(10)
    assert claimed == queued


async def test_taken_requests_are_answered_with_the_commit_or_wait_again(uow: Any) -> None:
    origin = SessionOrigin("203.0.113.9", "Firefox on Linux")
    first, second, third = request(0, origin=origin), request(1, user_id=uuid.uuid4()), request(2)
    async with uow:
        for queued in (third, first, second):
            await uow.email_requests.add(queued)
        await uow.commit()
    async with uow:  # rolled back: they wait again
        assert [r.id for r in await uow.email_requests.take(2, NOW + timedelta(minutes=1))] == [
            first.id,
            second.id,
        ]
    async with uow:
        taken = await uow.email_requests.take(2, NOW + timedelta(minutes=1))
        assert taken == [first, second]  # the origin as it was, though the mark clears it
        await uow.commit()
    async with uow:
        assert [r.id for r in await uow.email_requests.claim(10)] == [third.id]
        assert await uow.email_requests.prune(NOW + timedelta(minutes=1)) == 0  # not before it
        assert await uow.email_requests.prune(NOW + timedelta(minutes=2)) == 2
        assert [r.id for r in await uow.email_requests.take(10, NOW)] == [third.id]
        assert await uow.email_requests.take(10, NOW) == []


async def test_a_suppression_keeps_its_first_reason_and_lists_newest_first(uow: Any) -> None:
    first = Suppression("a@example.com", SuppressionSource.SMTP, "550 no such user", NOW)
    again = Suppression("a@example.com", SuppressionSource.COMPLAINT, "spam", NOW + timedelta(hours=2))
    later = Suppression("b@example.com", SuppressionSource.HARD, "bounced", NOW + timedelta(hours=1))
    async with uow:
        for suppression in (first, later, again):
            await uow.suppressions.add(suppression)
        await uow.commit()
    async with uow:
        assert list(await uow.suppressions.list(10)) == [later, first]
        assert list(await uow.suppressions.list(1)) == [later]
        assert await uow.suppressions.among(["a@example.com", "c@example.com", "b@example.com"]) == {
            "a@example.com",
            "b@example.com",
        }
        assert await uow.suppressions.among([]) == set()
        assert await uow.suppressions.remove("a@example.com")
        assert not await uow.suppressions.remove("a@example.com")
        assert await uow.suppressions.among(["a@example.com"]) == set()
