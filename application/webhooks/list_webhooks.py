from __future__ import annotations

from typing import Protocol

from application.ports.unit_of_work import HasWebhooks, Transaction
from domain.webhooks import WebhookView


class _Work(Transaction, HasWebhooks, Protocol): ...


class ListWebhooks:
    def __init__(self, *, uow: _Work) -> None:
        self._uow = uow

    async def execute(self) -> list[WebhookView]:
        async with self._uow as uow:
            return [WebhookView.of(s) for s in await uow.webhooks.list()]
