from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from application.mail._outcome_recorder import Outcome, OutcomeRecorder
from application.ports.clock import Clock
from application.ports.mail import MailSender
from application.ports.unit_of_work import HasOutbox, HasSuppressions, Transaction
from application.shared.config import DeliveryPolicy
from application.shared.errors import StorageUnavailable
from domain.mail import DeliveryError, OutboxMessage
from domain.suppressions import Suppression, SuppressionSource


class _Work(Transaction, HasOutbox, HasSuppressions, Protocol): ...


class _Heartbeat(Transaction, HasOutbox, Protocol):
    """The heartbeat only extends claims on the outbox."""


class Suppressed(DeliveryError):
    def __init__(self) -> None:
        super().__init__("not sent: the address is on the suppression list", permanent=True)


@dataclass(frozen=True)
class ClaimedBatch:
    """Messages claimed under `claimant`, with those of their recipients on the suppression list."""

    claimant: str
    messages: Sequence[OutboxMessage]
    suppressed: set[str]


@dataclass
class _Claim:
    """The messages this worker still holds, and until when; the heartbeat moves both."""

    held: set[uuid.UUID]
    until: datetime


class DeliverOutbox:
    """Sends one batch of due outbox messages; a failure is retried later with backoff, or ends dead.

    While a batch is sent, a heartbeat renews the claim on the messages still held, each renewal in its own
    short transaction: the lease can then be short, so a worker that dies (SIGKILL, a lost machine) holds
    its messages back for one lease at most, never the time its whole batch would take."""

    def __init__(
        self,
        *,
        uow: _Work,
        sender: MailSender,
        clock: Clock,
        policy: DeliveryPolicy,
        jitter: random.Random | None = None,
        count_suppressed: Callable[[], None] = lambda: None,
        heartbeat_uow: _Heartbeat | None = None,
        single_statement_uow: _Work | None = None,
    ) -> None:
        self._uow = uow
        self._count_suppressed = count_suppressed
        self._sender = sender
        self._clock = clock
        self._policy = policy
        self._jitter = jitter or random.Random()  # noqa: S311  (spreads retry times; guards no secret)
        # A unit of work of its own: the heartbeat runs beside the outcomes' writes. Without one, the claim is
        # renewed between two sends instead.
        self._heartbeat_uow = heartbeat_uow
        # Optional: a unit of work whose statements commit each on its own (no BEGIN, no COMMIT). A group of
        # outcomes all sent is one statement, atomic by itself: written there, it costs one round trip, not
        # three. Any other group, several statements that go together, is written in `uow`.
        self._single_statement_uow = single_statement_uow

    async def claim_within(self, uow: HasOutbox) -> ClaimedBatch:
        """Claims a batch of due messages in the caller's transaction; the claim holds once it commits, and
        only then may the batch be given to `execute`. The worker claims so in the transaction that queued
        the emails it answers: one transaction fewer, and the messages are in the outbox before either."""
        claimant = uuid.uuid4().hex
        batch, suppressed = await uow.outbox.claim_noting_suppressed(
            self._policy.batch_size, self._clock.now(), self._policy.lease, claimant
        )
        return ClaimedBatch(claimant, batch, suppressed)

    async def execute(
        self, should_stop: Callable[[], bool] = lambda: False, claimed: ClaimedBatch | None = None
    ) -> int:
        """How many messages this batch handled; 0 when nothing was due.

        The batch is claimed here, unless `claimed` is one claimed (and committed) already.
        When `should_stop` turns true, the message in hand is finished and the rest are handed back.
        """
        if claimed is None:
            async with self._uow as uow:
                claimed = await self.claim_within(uow)
                if not claimed.messages:
                    return 0  # nothing claimed, nothing to commit
                await uow.commit()
        claimant, batch, suppressed = claimed.claimant, claimed.messages, claimed.suppressed
        if not batch:
            return 0
        claim = _Claim({message.id for message in batch}, self._clock.now() + self._policy.lease)
        outcomes = OutcomeRecorder(lambda done: self._record_while_held(done, claimant, lambda: claim.until))
        heartbeat = (
            asyncio.create_task(self._heartbeat(batch, claim, claimant))
            if batch and self._heartbeat_uow is not None
            else None
        )
        try:
            for index, message in enumerate(batch):
                rest = [m for m in batch[index:] if m.id in claim.held]
                if should_stop():
                    await outcomes.flush()
                    await self._release(rest, self._clock.now(), claimant)
                    return index
                if heartbeat is None and self._clock.now() + self._policy.lease / 2 > claim.until:
                    # A slow server must not let the claim lapse while this worker still holds the messages.
                    claim.until = self._clock.now() + self._policy.lease
                    await outcomes.flush()
                    claim.held = await self._renew(rest, claim.until, claimant)
                if message.id not in claim.held:
                    continue  # the claim lapsed and another worker has the message now
                if self._clock.now() + self._policy.lease / 2 > claim.until:
                    # The heartbeat cannot renew (the database is away): a send begun now could outlast the
                    # claim, and another worker send the message again. The rest wait for the claim to lapse.
                    return index
                error = Suppressed() if message.recipient in suppressed else await self._send(message)
                await outcomes.add(message, error)
                if error is not None and error.server_unavailable and len(rest) > 1:
                    # The server is away: the others would fail alike, so they wait without spending an
                    # attempt.
                    await outcomes.flush()
                    await self._release(rest[1:], self._retry_at(1, error) or self._clock.now(), claimant)
                    return index + 1
            return len(batch)
        finally:
            try:
                await outcomes.flush()  # under the heartbeat still: a slow write must not let the claim lapse
            finally:
                if heartbeat is not None:
                    heartbeat.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await heartbeat

    async def _heartbeat(self, batch: Sequence[OutboxMessage], claim: _Claim, claimant: str) -> None:
        """Every third of the lease, extends the claim on the messages not yet sent (and those sent whose
        outcome is not yet written). Only a claim this worker still holds is extended: a message whose claim
        lapsed and passed to another worker stays the other's, and is dropped from `claim.held`."""
        assert self._heartbeat_uow is not None
        while True:
            await asyncio.sleep(self._policy.lease.total_seconds() / 3)
            asked = [m.id for m in batch if m.id in claim.held]
            if not asked:
                return
            until = self._clock.now() + self._policy.lease
            try:
                async with self._heartbeat_uow as uow:
                    renewed = await uow.outbox.renew(asked, until, claimant)
                    await uow.commit()
            except StorageUnavailable:
                continue  # the claim runs on; the sender stops before it could outlast it
            claim.held -= set(asked) - renewed  # recorded as sent (done), or another worker's now
            claim.until = until

    async def _send(self, message: OutboxMessage) -> DeliveryError | None:
        try:
            if message.expires_at is not None and self._clock.now() >= message.expires_at:
                raise DeliveryError(
                    "not sent: its link expired before the mail server took it; "
                    "the user can ask for a new one",
                    permanent=True,
                )
            await self._sender.send(message)
        except DeliveryError as error:
            return error
        except Exception as error:  # a fault of ours must not leave the message to be retried forever unseen
            return DeliveryError(f"could not send: {type(error).__name__}: {error}")
        return None

    async def _record_while_held(
        self, outcomes: Sequence[Outcome], claimant: str, held_until: Callable[[], datetime]
    ) -> None:
        """Records the outcomes, trying again through a database outage while the claim holds: a message
        sent but not recorded as sent would be sent again once its claim lapsed. No more are sent meanwhile
        (the recorder holds the sender back)."""
        pause = 0.1
        while True:
            try:
                return await self._record(outcomes, claimant)
            except StorageUnavailable:
                if self._clock.now() + timedelta(seconds=pause) >= held_until():
                    raise  # the claim lapses: another worker will take the messages up
            await asyncio.sleep(pause)
            pause = min(pause * 2, 2.0)

    async def _record(self, outcomes: Sequence[Outcome], claimant: str) -> None:
        sent = [message.id for message, error in outcomes if error is None]
        if self._single_statement_uow is not None and len(sent) == len(outcomes):
            async with self._single_statement_uow as uow:
                await uow.outbox.mark_sent(sent, self._clock.now(), claimant)
                await uow.commit()
            return
        async with self._uow as uow:
            if sent:
                await uow.outbox.mark_sent(sent, self._clock.now(), claimant)
            for message, error in outcomes:
                if isinstance(error, Suppressed):
                    await uow.outbox.mark_suppressed(message.id, str(error), claimant)
                    self._count_suppressed()
                elif error is not None:
                    # The claim counted this attempt.
                    retry_at = self._retry_at(message.attempts, error)
                    await uow.outbox.mark_failed(message.id, str(error), retry_at, claimant)
                    if error.recipient_refused:
                        await uow.suppressions.add(
                            Suppression(
                                message.recipient, SuppressionSource.SMTP, str(error)[:500], self._clock.now()
                            )
                        )
            await uow.commit()

    async def _renew(
        self, messages: Sequence[OutboxMessage], until: datetime, claimant: str
    ) -> set[uuid.UUID]:
        async with self._uow as uow:
            held = await uow.outbox.renew([m.id for m in messages], until, claimant)
            await uow.commit()
        return held

    async def _release(self, messages: Sequence[OutboxMessage], retry_at: datetime, claimant: str) -> None:
        async with self._uow as uow:
            await uow.outbox.release([m.id for m in messages], retry_at, claimant)
            await uow.commit()

    def _retry_at(self, attempts: int, error: DeliveryError) -> datetime | None:
        return None if error.permanent else self._policy.retry_at(attempts, self._clock.now(), self._jitter)
