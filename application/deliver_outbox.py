from __future__ import annotations

import random
from datetime import datetime, timedelta

from application.config import DeliveryPolicy
from application.mail import DeliveryError, OutboxMessage
from application.ports import Clock, MailSender, UnitOfWork


class DeliverOutbox:
    """Sends one batch of due outbox messages; a failure is retried later with backoff, or ends dead."""

    def __init__(self, uow: UnitOfWork, sender: MailSender, clock: Clock, policy: DeliveryPolicy,
                 jitter: random.Random | None = None) -> None:
        self._uow = uow
        self._sender = sender
        self._clock = clock
        self._policy = policy
        self._jitter = jitter or random.Random()

    async def execute(self) -> int:
        """How many messages this batch handled (sent or failed); 0 when nothing was due."""
        async with self._uow as uow:
            batch = await uow.outbox.claim(self._policy.batch_size, self._clock.now(), self._policy.lease)
            await uow.commit()
        for message in batch:
            await self._deliver(message)
        return len(batch)

    async def _deliver(self, message: OutboxMessage) -> None:
        try:
            await self._sender.send(message)
        except DeliveryError as error:
            retry_at = self._retry_at(message.attempts, error)  # the claim counted this attempt
            async with self._uow as uow:
                await uow.outbox.mark_failed(message.id, str(error), retry_at)
                await uow.commit()
            return
        async with self._uow as uow:
            await uow.outbox.mark_sent(message.id, self._clock.now())
            await uow.commit()

    def _retry_at(self, attempts: int, error: DeliveryError) -> datetime | None:
        if error.permanent or attempts >= self._policy.max_attempts:
            return None
        backoff = min(self._policy.first_retry * 2 ** (attempts - 1), self._policy.max_retry)
        # Full jitter spreads the retries of many messages that failed together.
        return self._clock.now() + timedelta(seconds=self._jitter.uniform(0.5, 1.0) * backoff.total_seconds())
