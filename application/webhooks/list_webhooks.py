from __future__ import annotations

from application.ports.unit_of_work import UnitOfWork
from domain.webhooks import WebhookView


class ListWebhooks:
    def __init__(self, *, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self) -> list[WebhookView]:
        async with self._uow as uow:
            return [WebhookView.of(s) for s in await uow.webhooks.list()]
