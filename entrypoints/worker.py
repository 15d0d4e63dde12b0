"""The background worker: answers email requests and drains the outbox, inside `accounts serve` or alone."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from application.mail.deliver_outbox import ClaimedBatch, DeliverOutbox
from application.mail.process_email_requests import ProcessEmailRequests
from application.operations.housekeeping import Housekeeping
from application.ports.unit_of_work import HasOutbox
from entrypoints.outage import Outage
from entrypoints.webhook_pump import WebhookPump

logger = logging.getLogger("accounts.worker")
HOUSEKEEPING_EVERY_SECONDS = 3600
HOUSEKEEPING_PAUSE_SECONDS = 0.05  # between batches, while a backlog of old rows goes


class OutboxWorker:
    def __init__(
        self,
        *,
        deliver: Callable[[], DeliverOutbox],
        poll_seconds: float,
        batch_size: int,
        requests: Callable[[], ProcessEmailRequests],
        housekeeping: Callable[[], Housekeeping],
        webhooks: WebhookPump,
    ) -> None:
        self._deliver = deliver
        self._webhooks = webhooks
        self._requests = requests
        self._housekeeping = housekeeping
        self._poll_seconds = poll_seconds
        self._batch_size = batch_size
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        # Webhooks and housekeeping beside emails, not in turn with them: a slow receiver or a year of old
        # rows never holds an email back.
        self._tasks = [
            asyncio.create_task(self.run(), name="outbox-worker"),
            asyncio.create_task(self._webhooks.run(), name="webhook-worker"),
            asyncio.create_task(self.keep_house(), name="housekeeping"),
        ]

    async def stop(self) -> None:
        """Finishes the message in hand, hands the rest of its batch back, then returns."""
        self._stopping.set()
        self._webhooks.stop_soon()
        for task in self._tasks:
            await task

    async def run(self) -> None:
        outage = Outage("the email worker", self._poll_seconds, logger)
        while not self._stopping.is_set():
            more = await self._round(outage, self._send_emails)
            if not more:
                await self._pause(outage.backoff_seconds if outage.ongoing else self._poll_seconds)

    async def keep_house(self) -> None:
        outage = Outage("housekeeping", self._poll_seconds, logger)
        while not self._stopping.is_set():
            deleted = await self._round(outage, lambda: self._housekeeping().execute())
            if deleted:
                logger.debug("housekeeping deleted %d rows past their time", deleted)
            await self._pause(
                HOUSEKEEPING_PAUSE_SECONDS
                if deleted
                else outage.backoff_seconds
                if outage.ongoing
                else HOUSEKEEPING_EVERY_SECONDS
            )

    async def _send_emails(self) -> int:
        """1 when more may be waiting: a part took a full batch. A round that took less found its queues
        drained, and the next waits for the poll; going again at once would only find them empty (two
        transactions for nothing, after every email of a steady trickle)."""
        deliver = self._deliver()
        claimed: list[ClaimedBatch] = []

        async def claim(uow: HasOutbox) -> None:
            claimed.append(await deliver.claim_within(uow))

        # The emails the requests queue are claimed in the same transaction: a batch is given to `deliver`
        # only once that transaction committed (an exception here ends the round), so each message is in the
        # outbox, claimed by this worker, before it is sent. With no request answered, `deliver` claims alone.
        answered = await self._requests().execute(then=claim)
        sent = await deliver.execute(
            should_stop=self._stopping.is_set, claimed=claimed[0] if claimed else None
        )
        return int(answered >= self._batch_size or sent >= self._batch_size)

    async def _round(self, outage: Outage, work: Callable[[], Awaitable[int]]) -> int:
        try:
            done = await work()
        except Exception:  # the database may be away for a while; keep trying
            outage.failed()
            return 0
        outage.over()
        return done

    async def _pause(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            pass
