from __future__ import annotations

from collections.abc import Sequence

from application.ports.unit_of_work import UnitOfWork
from domain.suppressions import Suppression


class ListSuppressions:
    """The suppression list, newest first, for administrators."""

    def __init__(self, *, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, limit: int = 100) -> Sequence[Suppression]:
        async with self._uow as uow:
            return await uow.suppressions.list(limit)
