"""The outbox of account events for other services."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Protocol

from domain.events import AccountEvent


class EventOutbox(Protocol):
    """Events waiting to be handed to their subscriptions."""

    async def add(self, event: AccountEvent) -> None: ...
    async def claim(self, limit: int) -> Sequence[AccountEvent]:
        """The oldest events no other worker holds (locked until the commit)."""
        ...

    async def remove(self, event_ids: Sequence[uuid.UUID]) -> None:
        """Handed on: each delivery holds its own copy of the body."""
        ...
