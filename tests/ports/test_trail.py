"""The SecurityEvents port's contract (the accounts' audit trail), held by the fake and by the SQL adapter on
PostgreSQL and SQLite."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from domain.trail import EventPosition, SecurityEvent, SecurityEventType
from tests.ports.conftest import NOW


def event(user_id: uuid.UUID, seconds: int, **fields: Any) -> SecurityEvent:
    return SecurityEvent(
        SecurityEventType.LOGIN_SUCCEEDED, user_id, NOW + timedelta(seconds=seconds), **fields
    )


async def test_an_accounts_trail_pages_newest_first_along_a_cursor(uow: Any) -> None:
    user, other = uuid.uuid4(), uuid.uuid4()
    same_time = sorted((event(user, 1) for _ in range(2)), key=lambda e: e.id)
    events = [event(user, 0), *same_time, event(user, 2), event(other, 3)]
    async with uow:
        for entry in reversed(events):
            await uow.security_events.add(entry)
        await uow.commit()
    async with uow:
        first = await uow.security_events.of_account(user, None, 2)
        last = first[-1]
        rest = await uow.security_events.of_account(user, EventPosition(last.occurred_at, last.id), 10)
    assert [e.id for e in first] == [events[3].id, same_time[1].id]
    assert [e.id for e in rest] == [same_time[0].id, events[0].id]


async def test_an_entry_round_trips_cut_to_its_columns_and_is_scrubbed_to_its_type_and_time(uow: Any) -> None:
    user, admin = uuid.uuid4(), uuid.uuid4()
    entry = event(user, 0, ip="2001:db8::" + "1" * 60, device="d" * 100, actor_id=admin, detail="w" * 40)
    kept = event(uuid.uuid4(), 0, ip="203.0.113.9", device="Firefox", actor_id=admin, detail="role")
    async with uow:
        await uow.security_events.add(entry)
        await uow.security_events.add(kept)
        await uow.commit()
    async with uow:
        [found] = await uow.security_events.of_account(user, None, 10)
        assert (found.ip, found.device, found.detail) == (entry.ip[:45], "d" * 64, "w" * 32)
        assert (found.id, found.type, found.occurred_at, found.actor_id) == (entry.id, entry.type, NOW, admin)
        await uow.security_events.scrub(user)
        await uow.commit()
    async with uow:
        [scrubbed] = await uow.security_events.of_account(user, None, 10)
        [other] = await uow.security_events.of_account(kept.user_id, None, 10)
    assert scrubbed == SecurityEvent(entry.type, user, NOW, id=entry.id)
    assert other == kept


async def test_prune_deletes_the_oldest_entries_up_to_the_limit(uow: Any) -> None:
    user = uuid.uuid4()
    events = [event(user, n) for n in range(4)]
    async with uow:
        for entry in reversed(events):
            await uow.security_events.add(entry)
        await uow.commit()
    async with uow:
        assert await uow.security_events.prune(NOW + timedelta(seconds=3), 2) == 2
        assert await uow.security_events.prune(NOW + timedelta(seconds=3), 10) == 1
        assert [e.id for e in await uow.security_events.of_account(user, None, 10)] == [events[3].id]
