"""Drains the outbox in the background: inside `accounts serve`, or alone as `accounts worker`."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from application.deliver_outbox import DeliverOutbox
from application.outbox_admin import PruneSentMessages

logger = logging.getLogger("accounts.worker")
PRUNE_EVERY_SECONDS = 3600


class OutboxWorker:
    def __init__(self, deliver: Callable[[], DeliverOutbox], poll_seconds: float,
                 prune: Callable[[], PruneSentMessages]) -> None:
        self._deliver = deliver
        self._prune = prune
        self._poll_seconds = poll_seconds
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._pruned_at = float("-inf")

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="outbox-worker")

    async def stop(self) -> None:
        """Finishes the message in hand, hands the rest of its batch back, then returns."""
        self._stopping.set()
        if self._task is not None:
            await self._task

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self._prune_now_and_then()
                handled = await self._deliver().execute(should_stop=self._stopping.is_set)
            except Exception:  # the database may be away for a while; keep trying
                logger.exception("outbox delivery failed; retrying in %.1f s", self._poll_seconds)
                handled = 0
            if handled == 0:
                try:
                    await asyncio.wait_for(self._stopping.wait(), self._poll_seconds)
                except TimeoutError:
                    pass

    async def _prune_now_and_then(self) -> None:
        if time.monotonic() - self._pruned_at < PRUNE_EVERY_SECONDS:
            return
        self._pruned_at = time.monotonic()
        if count := await self._prune().execute():
            logger.info("pruned %d sent messages past their retention", count)
