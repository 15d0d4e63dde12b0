from __future__ import annotations

from typing import Protocol

from application.ports.unit_of_work import HasSuppressions, Transaction
from domain.email import Email
from domain.errors import NotFound


class _Work(Transaction, HasSuppressions, Protocol): ...


class LiftSuppression:
    """Emails go to the address again (it was fixed, or the report was wrong)."""

    def __init__(self, *, uow: _Work) -> None:
        self._uow = uow

    async def execute(self, email: str) -> None:
        address = Email.parse(email)
        async with self._uow as uow:
            if not await uow.suppressions.remove(address.value):
                raise NotFound("This address is not suppressed.", "List the suppressions for those that are.")
            await uow.commit()
