from __future__ import annotations

import uuid
from typing import Protocol

from application.ports.unit_of_work import HasPasskeys, Transaction
from domain.errors import NotFound
from domain.passkeys import PasskeyView


class _Work(Transaction, HasPasskeys, Protocol): ...


class RenamePasskey:
    """Renames one of the account's passkeys; another account's is not found, as an unknown one is."""

    def __init__(self, *, uow: _Work) -> None:
        self._uow = uow

    async def execute(self, user_id: uuid.UUID, passkey_id: uuid.UUID, name: str) -> PasskeyView:
        async with self._uow as uow:
            renamed = await uow.passkeys.rename(user_id, passkey_id, name)
            if renamed is None:
                raise NotFound("No such passkey.", "List your passkeys for their ids.")
            await uow.commit()
        return PasskeyView.of(renamed)
