"""The background worker: answers email requests and drains the outbox, inside `accounts serve` or alone."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from application.deliver_outbox import DeliverOutbox
from application.housekeeping import Housekeeping
from application.process_email_requests import ProcessEmailRequests
from entrypoints.webhook_pump import WebhookPump

logger = logging.getLogger("accounts.worker")
HOUSEKEEPING_EVERY_SECONDS = 3600


class OutboxWorker:
    def __init__(self, *, deliver: Callable[[], DeliverOutbox], poll_seconds: float,
                 requests: Callable[[], ProcessEmailRequests], housekeeping: Callable[[], Housekeeping],
                 webhooks: WebhookPump) -> None:
        self._deliver = deliver
        self._webhooks = webhooks
        self._webhook_task: asyncio.Task[None] | None = None
        self._requests = requests
        self._housekeeping = housekeeping
        self._poll_seconds = poll_seconds
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._housekept_at = float("-inf")

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="outbox-worker")
        # Webhooks beside emails, not in turn with them: a slow receiver never holds an email back.
        self._webhook_task = asyncio.create_task(self._webhooks.run(), name="webhook-worker")

    async def stop(self) -> None:
        """Finishes the message in hand, hands the rest of its batch back, then returns."""
        self._stopping.set()
        self._webhooks.stop_soon()
        for task in (self._task, self._webhook_task):
            if task is not None:
                await task

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self._housekeep_now_and_then()
                handled = await self._requests().execute()
                handled += await self._deliver().execute(should_stop=self._stopping.is_set)
            except Exception:  # the database may be away for a while; keep trying
                logger.exception("the worker's round failed; retrying in %.1f s", self._poll_seconds)
                handled = 0
            if handled == 0:
                try:
                    await asyncio.wait_for(self._stopping.wait(), self._poll_seconds)
                except TimeoutError:
                    pass

    async def _housekeep_now_and_then(self) -> None:
        if time.monotonic() - self._housekept_at < HOUSEKEEPING_EVERY_SECONDS:
            return
        self._housekept_at = time.monotonic()
        if count := await self._housekeeping().execute():
            logger.info("housekeeping deleted %d rows past their time", count)
