"""The webhook half of the worker: hands recorded events to their subscriptions, then keeps each receiver's
deliveries moving in a task of its own, beside the email loop and never in its way."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable

from application.webhooks.deliver_webhooks import ClaimWebhookDeliveries, ReceiverBatch, SendToReceiver
from application.webhooks.distribute_events import DistributeEvents
from entrypoints.outage import Outage

logger = logging.getLogger("accounts.webhooks")


class WebhookPump:
    def __init__(
        self,
        *,
        distribute: Callable[[], DistributeEvents],
        claim: Callable[[], ClaimWebhookDeliveries],
        send: Callable[[], SendToReceiver],
        poll_seconds: float,
        concurrency: int,
    ) -> None:
        self._distribute = distribute
        self._claim = claim
        self._send = send  # a new one per receiver's batch: each has its own unit of work
        self._poll_seconds = poll_seconds
        self._concurrency = concurrency
        self._stopping = asyncio.Event()
        self._sending: dict[uuid.UUID, asyncio.Task[None]] = {}  # by subscription
        self._woken = asyncio.Event()
        self._outage = Outage("the webhook worker", poll_seconds, logger)

    def stop_soon(self) -> None:
        self._stopping.set()
        self._woken.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                handed_on = await self._distribute().execute()
                started = await self._start_batches() if len(self._sending) < self._concurrency else 0
                self._outage.over()
            except Exception:  # the database may be away for a while; keep trying
                self._outage.failed()
                handed_on = started = 0
            if handed_on == 0 and started == 0:
                self._woken.clear()
                try:
                    await asyncio.wait_for(
                        self._woken.wait(),
                        self._outage.backoff_seconds if self._outage.ongoing else self._poll_seconds,
                    )
                except TimeoutError:
                    pass
        # The batches in hand finish the delivery they are on and hand the rest back.
        await asyncio.gather(*self._sending.values(), return_exceptions=True)

    async def _start_batches(self) -> int:
        batches = await self._claim().execute(busy=set(self._sending))
        for batch in batches:
            task = asyncio.create_task(self._deliver(batch), name=f"webhooks-{batch.subscription.id}")
            self._sending[batch.subscription.id] = task
        return len(batches)

    async def _deliver(self, batch: ReceiverBatch) -> None:
        try:
            await self._send().execute(batch, should_stop=self._stopping.is_set)
        except Exception:  # its claims lapse and another round takes the deliveries up again
            logger.exception("delivering to webhook %s failed", batch.subscription.id)
        finally:
            del self._sending[batch.subscription.id]
            self._woken.set()  # a receiver is free again: its next deliveries may be due
