from __future__ import annotations

import uuid
from typing import Protocol

from application.admin.administer_account import no_such_account
from application.ports.unit_of_work import HasUsers, Transaction
from domain.views import UserView


class _Work(Transaction, HasUsers, Protocol): ...


class GetAccount:
    """One account, for an administrator."""

    def __init__(self, *, uow: _Work) -> None:
        self._uow = uow

    async def execute(self, user_id: uuid.UUID) -> UserView:
        async with self._uow as uow:
            user = await uow.users.get(user_id)
        if user is None:
            raise no_such_account()
        return UserView.of(user)
