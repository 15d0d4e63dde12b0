from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime

from application.ports import UnitOfWork, UserFilter, UserPosition
from application.views import UserView
from domain.errors import InvalidCursor

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

    def __init__(self, *, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, search: UserSearch) -> UserSearchPage:
        after = _decode(search.cursor) if search.cursor else None
        async with self._uow as uow:
            found = await uow.users.search(search.filter, after, search.limit + 1)
        page, more = found[:search.limit], len(found) > search.limit
        cursor = encode_cursor(UserPosition(page[-1].created_at, page[-1].id)) if more else None
        return UserSearchPage(items=[UserView.of(u) for u in page], next_cursor=cursor, limit=search.limit)


def encode_cursor(position: UserPosition) -> str:
    text = f"{position.created_at.isoformat()}|{position.id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str) -> UserPosition:
    try:
        created_at, _, user_id = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition("|")
        position = UserPosition(datetime.fromisoformat(created_at), uuid.UUID(user_id))
    except (ValueError, UnicodeDecodeError):
        raise InvalidCursor() from None
    if position.created_at.tzinfo is None:
        raise InvalidCursor()
    return position
