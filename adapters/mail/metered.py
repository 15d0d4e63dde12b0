"""Counts what a mail sender does, for the service's metrics, whatever the sender is."""

from __future__ import annotations

from collections.abc import Callable

from application.ports.mail import MailSender
from domain.mail import DeliveryError, OutboxMessage


class MeteredMailSender:
    def __init__(self, inner: MailSender, count: Callable[[str], None]) -> None:
        self._inner = inner
        self._count = count

    async def send(self, message: OutboxMessage) -> None:
        try:
            await self._inner.send(message)
        except DeliveryError:
            self._count("failed")
            raise
        self._count("sent")

    async def close(self) -> None:
        await self._inner.close()
