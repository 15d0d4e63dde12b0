from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from application.ports.unit_of_work import HasSecurityEvents, Transaction
from application.shared.cursors import PageCursors
from domain.trail import EventPosition, SecurityEvent


class _Work(Transaction, HasSecurityEvents, Protocol): ...


@dataclass(frozen=True, slots=True)
class TrailQuery:
    user_id: uuid.UUID
    limit: int = 50
    cursor: str | None = None  # the previous page's next_cursor


@dataclass(frozen=True, slots=True)
class TrailPage:
    items: list[SecurityEvent]
    next_cursor: str | None


class AccountTrail:
    """An account's audit trail, newest first, a page at a time: for its owner and for administrators."""

    def __init__(self, *, uow: _Work, cursors: PageCursors) -> None:
        self._uow = uow
        self._cursors = cursors

    async def execute(self, query: TrailQuery) -> TrailPage:
        trail = f"trail:{query.user_id}"  # another account's cursor is not one of this trail's
        before = EventPosition(*self._cursors.decode(query.cursor, of=trail)) if query.cursor else None
        async with self._uow as uow:
            found = await uow.security_events.of_account(query.user_id, before, query.limit + 1)
        page = list(found[: query.limit])
        more = len(found) > query.limit
        cursor = self._cursors.encode(page[-1].occurred_at, page[-1].id, of=trail) if more else None
        return TrailPage(items=page, next_cursor=cursor)
