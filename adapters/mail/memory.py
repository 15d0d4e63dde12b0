"""Keeps sent messages in a list, for tests and demos."""

from __future__ import annotations

from domain.mail import OutboxMessage


class MemoryMailSender:
    def __init__(self) -> None:
        self.sent: list[OutboxMessage] = []

    async def send(self, message: OutboxMessage) -> None:
        self.sent.append(message)

    async def close(self) -> None:
        pass
