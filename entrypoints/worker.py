"""Drains the outbox in the background: inside `accounts serve`, or alone as `accounts worker`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from application.deliver_outbox import DeliverOutbox

logger = logging.getLogger("accounts.worker")


class OutboxWorker:
    def __init__(self, deliver: Callable[[], DeliverOutbox], poll_seconds: float) -> None:
        self._deliver = deliver
        self._poll_seconds = poll_seconds
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="outbox-worker")

    async def stop(self) -> None:
        """Lets the batch in hand finish, then returns."""
        self._stopping.set()
        if self._task is not None:
            await self._task

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                handled = await self._deliver().execute()
            except Exception:  # the database may be away for a while; keep trying
                logger.exception("outbox delivery failed; retrying in %.1f s", self._poll_seconds)
                handled = 0
            if handled == 0:
                try:
                    await asyncio.wait_for(self._stopping.wait(), self._poll_seconds)
                except TimeoutError:
                    pass
