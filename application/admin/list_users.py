from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from application.ports.unit_of_work import HasUsers, Transaction
from application.shared.cursors import USERS, PageCursors
from domain.views import UserPage, UserView


class _Work(Transaction, HasUsers, Protocol): ...


@dataclass(frozen=True, slots=True)
class UserQuery:
    offset: int = 0
    limit: int = 20


class ListUsers:
    """A page of users, oldest first, by offset (Bookly's form); its next_cursor leads on as FindUsers
    does."""

    def __init__(self, *, uow: _Work, cursors: PageCursors) -> None:
        self._uow = uow
        self._cursors = cursors

    async def execute(self, query: UserQuery) -> UserPage:
        async with self._uow as uow:
            users = await uow.users.list(query.offset, query.limit)
            total = await uow.users.count()
        more = query.offset + len(users) < total and users
        cursor = self._cursors.encode(users[-1].created_at, users[-1].id, of=USERS) if more else None
        return UserPage(
            items=[UserView.of(u) for u in users],
            total=total,
            offset=query.offset,
            limit=query.limit,
            next_cursor=cursor,
        )
