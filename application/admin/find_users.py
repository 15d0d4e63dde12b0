from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from application.ports.unit_of_work import HasUsers, Transaction
from application.shared.cursors import USERS, PageCursors
from domain.user import UserFilter, UserPosition
from domain.views import UserView


class _Work(Transaction, HasUsers, Protocol): ...


@dataclass(frozen=True, slots=True)
class UserSearch:
    filter: UserFilter
    limit: int = 20
    cursor: str | None = None  # the previous page's next_cursor


@dataclass(frozen=True, slots=True)
class UserSearchPage:
    items: list[UserView]
    next_cursor: str | None  # None on the last page
    limit: int


class FindUsers:
    """Accounts by address or name prefix and by role, verification and state, oldest first, a page at a
    time after a cursor: page 10,000 costs what page 1 does."""

    def __init__(self, *, uow: _Work, cursors: PageCursors) -> None:
        self._uow = uow
        self._cursors = cursors

    async def execute(self, search: UserSearch) -> UserSearchPage:
        after = UserPosition(*self._cursors.decode(search.cursor, of=USERS)) if search.cursor else None
        async with self._uow as uow:
            found = await uow.users.search(search.filter, after, search.limit + 1)
        page, more = found[: search.limit], len(found) > search.limit
        cursor = self._cursors.encode(page[-1].created_at, page[-1].id, of=USERS) if more else None
        return UserSearchPage(items=[UserView.of(u) for u in page], next_cursor=cursor, limit=search.limit)
