from __future__ import annotations

import uuid
from typing import Protocol

from application.ports.unit_of_work import HasPasskeys, Transaction
from domain.passkeys import PasskeyView


class _Work(Transaction, HasPasskeys, Protocol): ...


class ListPasskeys:
    """The account's passkeys, oldest first: names and dates, never a key."""

    def __init__(self, *, uow: _Work) -> None:
        self._uow = uow

    async def execute(self, user_id: uuid.UUID) -> list[PasskeyView]:
        async with self._uow as uow:
            return [PasskeyView.of(p) for p in await uow.passkeys.of_account(user_id)]
