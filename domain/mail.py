"""Outgoing email as plain data, and the errors a delivery can end in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class EmailContent:
    subject: str
    text_body: str
    html_body: str
    language: str = "en"  # what it is written in, for the Content-Language header


@dataclass(slots=True)
class OutboxMessage:
    """An email waiting in the outbox, written in the same transaction as the change that caused it."""

    recipient: str
    content: EmailContent
    created_at: datetime
    # Stable across retries, so a resend after an unclear failure is recognisable as the same message.
    # AccountEmails names the sender's domain; this default is for messages made by hand (tests, tools).
    message_id: str = field(default_factory=lambda: f"<{uuid.uuid4().hex}@localhost>")
    attempts: int = 0
    # When the message's link stops working: sending it later would only deliver a dead link.
    expires_at: datetime | None = None
    # The W3C traceparent of the request that queued it: its delivery joins that trace (empty: none).
    trace_context: str = ""
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass(frozen=True, slots=True)
class OutboxStats:
    pending: int
    sent: int
    dead: int
    oldest_pending_created_at: datetime | None


class DeliveryError(Exception):
    """Sending failed.

    `permanent`: a retry cannot help (a 5xx on the recipient). `server_unavailable`: the mail system
    itself is unusable for now (down, too slow, refusing our login), so every other message would fail too.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        server_unavailable: bool = False,
        recipient_refused: bool = False,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.server_unavailable = server_unavailable
        # A 5xx to the recipient or its message: the address goes on the suppression list.
        self.recipient_refused = recipient_refused
