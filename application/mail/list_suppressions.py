from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from application.ports.unit_of_work import HasSuppressions, Transaction
from domain.suppressions import Suppression


class _Work(Transaction, HasSuppressions, Protocol): ...


class ListSuppressions:
    """The suppression list, newest first, for administrators."""

    def __init__(self, *, uow: _Work) -> None:
        self._uow = uow

    async def execute(self, limit: int = 100) -> Sequence[Suppression]:
        async with self._uow as uow:
            return await uow.suppressions.list(limit)
