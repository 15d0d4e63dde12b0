"""The outbox of emails, their rendering and the mail system that sends them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from domain.mail import EmailContent, OutboxMessage, OutboxStats


class Outbox(Protocol):
    """Emails to send, written with the state change that caused them.

    A worker claims messages under a `claimant` token of its own; only the holder of a claim may settle,
    renew or release it, so a message whose claim lapsed and passed to another worker is the other's.
    """

    async def add(self, message: OutboxMessage) -> None: ...
    async def claim(
        self, limit: int, now: datetime, lease: timedelta, claimant: str
    ) -> Sequence[OutboxMessage]:
        """Take due messages no other worker holds, counting an attempt each; the claim lapses after
        `lease`."""
        ...

    async def claim_noting_suppressed(
        self, limit: int, now: datetime, lease: timedelta, claimant: str
    ) -> tuple[Sequence[OutboxMessage], set[str]]:
        """As `claim`; with the recipients among them on the suppression list, read in the same statement
        (the worker's claim and check are then one round trip, not two)."""
        ...

    async def mark_sent(self, message_ids: Sequence[uuid.UUID], when: datetime, claimant: str) -> None: ...
    async def mark_failed(
        self, message_id: uuid.UUID, error: str, retry_at: datetime | None, claimant: str
    ) -> None:
        """Record a failed attempt; `retry_at` None means the message is dead."""
        ...

    async def renew(self, message_ids: Sequence[uuid.UUID], until: datetime, claimant: str) -> set[uuid.UUID]:
        """Extend the claim on messages still to send; the ids still held."""
        ...

    async def release(self, message_ids: Sequence[uuid.UUID], retry_at: datetime, claimant: str) -> None:
        """Give back claimed messages that were not attempted; their claim does not count as an attempt."""
        ...

    async def revive(self, now: datetime, message_id: uuid.UUID | None = None) -> int:
        """Put dead messages (one, or all) back in the queue; how many."""
        ...

    async def prune_sent(self, sent_before: datetime, limit: int = 1000) -> int:
        """Deletes at most `limit` of the oldest messages sent before `sent_before`; how many went."""
        ...

    async def prune_unsent(self, before: datetime, limit: int = 1000) -> int:
        """As prune_sent, for messages that never went (dead, suppressed, cancelled), by their last
        attempt."""
        ...

    async def stats(self, count_sent: bool = True) -> OutboxStats: ...
    async def mark_suppressed(self, message_id: uuid.UUID, reason: str, claimant: str) -> None:
        """Not sent, and never will be: the address is on the suppression list. The body is cleared."""
        ...

    async def cancel_to(self, recipient: str, when: datetime) -> int:
        """Messages to the address not sent yet are not sent, and their bodies are cleared (status
        `cancelled`): the account they were about is gone. Returns how many."""
        ...


class EmailRenderer(Protocol):
    """Turns a named template and its values into the subject and both body parts."""

    def render(self, template: str, values: Mapping[str, Any], locale: str | None = None) -> EmailContent:
        """In `locale` (a BCP 47 tag), or the nearest language on offer; English when none is."""
        ...


class MailSender(Protocol):
    """Hands one message to a mail system; raises DeliveryError."""

    async def send(self, message: OutboxMessage) -> None: ...
    async def close(self) -> None: ...
