from __future__ import annotations

import uuid
from typing import Protocol

from application.ports.unit_of_work import HasFactors, Transaction
from domain.factors import FactorSummary


class _Work(Transaction, HasFactors, Protocol): ...


class ShowFactors:
    """The account's second factors: whether an app is on, how many passkeys and unused recovery codes."""

    def __init__(self, *, uow: _Work) -> None:
        self._uow = uow

    async def execute(self, user_id: uuid.UUID) -> FactorSummary:
        async with self._uow as uow:
            return await uow.factors.summary(user_id)
