from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from application.config import DeliveryPolicy
from application.mail import DeliveryError, OutboxMessage
from application.ports import Clock, MailSender, UnitOfWork

Outcome = tuple[OutboxMessage, DeliveryError | None]
# Outcomes are committed this many at a time, or what this many seconds brought (see _Outcomes).
OUTCOME_GROUP = 8
OUTCOME_GROUP_SECONDS = 0.1


class DeliverOutbox:
    """Sends one batch of due outbox messages; a failure is retried later with backoff, or ends dead."""

    def __init__(self, uow: UnitOfWork, sender: MailSender, clock: Clock, policy: DeliveryPolicy,
                 jitter: random.Random | None = None) -> None:
        self._uow = uow
        self._sender = sender
        self._clock = clock
        self._policy = policy
        self._jitter = jitter or random.Random()

    async def execute(self, should_stop: Callable[[], bool] = lambda: False) -> int:
        """How many messages this batch handled; 0 when nothing was due.

        When `should_stop` turns true, the message in hand is finished and the rest are handed back.
        """
        async with self._uow as uow:
            batch = await uow.outbox.claim(self._policy.batch_size, self._clock.now(), self._policy.lease)
            await uow.commit()
        lease_until = self._clock.now() + self._policy.lease
        outcomes = _Outcomes(self._record)
        try:
            for index, message in enumerate(batch):
                rest = batch[index:]
                if should_stop():
                    await outcomes.flush()
                    await self._release(rest, self._clock.now())
                    return index
                if self._clock.now() + self._policy.lease / 2 > lease_until:
                    # A slow server must not let the claim lapse while this worker still holds the messages.
                    lease_until = self._clock.now() + self._policy.lease
                    await outcomes.flush()
                    await self._renew(rest, lease_until)
                error = await self._send(message)
                await outcomes.add(message, error)
                if error is not None and error.server_unavailable and len(rest) > 1:
                    # The server is away: the others would fail alike, so they wait without spending an attempt.
                    await outcomes.flush()
                    await self._release(rest[1:], self._retry_at(1, error) or self._clock.now())
                    return index + 1
            return len(batch)
        finally:
            await outcomes.flush()

    async def _send(self, message: OutboxMessage) -> DeliveryError | None:
        try:
            if message.expires_at is not None and self._clock.now() >= message.expires_at:
                raise DeliveryError("not sent: its link expired before the mail server took it; "
                                    "the user can ask for a new one", permanent=True)
            await self._sender.send(message)
        except DeliveryError as error:
            return error
        return None

    async def _record(self, outcomes: Sequence[Outcome]) -> None:
        async with self._uow as uow:
            sent = [message.id for message, error in outcomes if error is None]
            if sent:
                await uow.outbox.mark_sent(sent, self._clock.now())
            for message, error in outcomes:
                if error is not None:
                    # The claim counted this attempt.
                    await uow.outbox.mark_failed(message.id, str(error), self._retry_at(message.attempts, error))
            await uow.commit()

    async def _renew(self, messages: Sequence[OutboxMessage], until: datetime) -> None:
        async with self._uow as uow:
            await uow.outbox.renew([m.id for m in messages], until)
            await uow.commit()

    async def _release(self, messages: Sequence[OutboxMessage], retry_at: datetime) -> None:
        async with self._uow as uow:
            await uow.outbox.release([m.id for m in messages], retry_at)
            await uow.commit()

    def _retry_at(self, attempts: int, error: DeliveryError) -> datetime | None:
        if error.permanent or attempts >= self._policy.max_attempts:
            return None
        backoff = min(self._policy.first_retry * 2 ** (attempts - 1), self._policy.max_retry)
        # Jitter spreads the retries of many messages that failed together.
        return self._clock.now() + timedelta(seconds=self._jitter.uniform(0.5, 1.0) * backoff.total_seconds())


class _Outcomes:
    """Records outcomes in the background while the next messages are sent.

    Outcomes are written a few at a time: one write per message would cost the drain a fifth of its speed
    against a fast server. The price is bounded: a worker killed outright has at most 2 * OUTCOME_GROUP
    unrecorded messages, which are sent again with their Message-IDs.
    """

    def __init__(self, write: Callable[[Sequence[Outcome]], Awaitable[None]]) -> None:
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
