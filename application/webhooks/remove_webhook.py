from __future__ import annotations

import uuid
from typing import Protocol

from application.ports.unit_of_work import HasWebhooks, Transaction
from domain.errors import NotFound


class _Work(Transaction, HasWebhooks, Protocol): ...


class RemoveWebhook:
    """The subscription and its deliveries still waiting are gone; what was delivered is history."""

    def __init__(self, *, uow: _Work) -> None:
        self._uow = uow

    async def execute(self, subscription_id: uuid.UUID) -> None:
        async with self._uow as uow:
            if not await uow.webhooks.remove(subscription_id):
                raise NotFound()
            await uow.commit()
