"""Committing delivery outcomes a few at a time, while the next messages are sent."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from domain.mail import DeliveryError, OutboxMessage

Outcome = tuple[OutboxMessage, DeliveryError | None]
# Outcomes are committed this many at a time, or what this many seconds brought.
OUTCOME_GROUP = 8
OUTCOME_GROUP_SECONDS = 0.1


class OutcomeRecorder:
    """Records outcomes in the background while the next messages are sent.

    Outcomes are written a few at a time: one write per message would cost the drain a fifth of its speed
    against a fast server. The price is bounded: a worker killed outright has at most 2 * OUTCOME_GROUP
    unrecorded messages, which are sent again with their Message-IDs.
    """

    # A coroutine function, not any awaitable: its writes run as a task, beside the next sends.
    def __init__(self, write: Callable[[Sequence[Outcome]], Coroutine[Any, Any, None]]) -> None:
        self._write = write
        self._pending: list[Outcome] = []
        self._oldest = 0.0
        self._writer: asyncio.Task[None] | None = None

    async def add(self, message: OutboxMessage, error: DeliveryError | None) -> None:
        if not self._pending:
            self._oldest = time.monotonic()
        self._pending.append((message, error))
        full = len(self._pending) >= OUTCOME_GROUP
        if not full and time.monotonic() - self._oldest < OUTCOME_GROUP_SECONDS:
            return
        if self._writer is not None and (full or self._writer.done()):
            await self._writer  # a slow database holds the sender back rather than letting outcomes pile up
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(self._take()))

    async def flush(self) -> None:
        """Returns when every outcome added so far is committed (the unit of work is free again)."""
        if self._writer is not None:
            await self._writer
        if self._pending:
            await self._write(self._take())

    def _take(self) -> list[Outcome]:
        outcomes, self._pending = self._pending, []
        return outcomes
