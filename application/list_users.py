from __future__ import annotations

from application.ports import UnitOfWork
from application.views import UserPage, UserView


class ListUsers:
    """A page of users, oldest first."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, offset: int, limit: int) -> UserPage:
        async with self._uow as uow:
            users = await uow.users.list(offset, limit)
            total = await uow.users.count()
        return UserPage(items=[UserView.of(u) for u in users], total=total, offset=offset, limit=limit)
