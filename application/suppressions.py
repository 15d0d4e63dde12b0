"""Addresses that bounce: a permanent refusal, or a provider's report, stops every later email to them.

Every bounce a sender keeps mailing hurts its reputation with the mail providers. The outbox row of an email
to a suppressed address is kept, marked `suppressed` with the reason; nothing is deleted, and the API answers
as it always does, so no caller learns the address is suppressed.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class SuppressionSource(str, enum.Enum):
    SMTP = "smtp"  # our mail server refused the recipient with a 5xx
    HARD = "hard"  # a provider reported a hard bounce
    COMPLAINT = "complaint"  # the reader marked an email as spam


@dataclass(frozen=True, slots=True)
class Suppression:
    email: str
    source: SuppressionSource
    reason: str
    created_at: datetime


class Suppressions(Protocol):
    async def add(self, suppression: Suppression) -> None:
        """Keeps the first reason of an address already suppressed."""
        ...
    async def among(self, addresses: Collection[str]) -> set[str]:
        """Those of `addresses` that are suppressed."""
        ...
    async def remove(self, email: str) -> bool: ...
    async def list(self, limit: int) -> Sequence[Suppression]:
        """Newest first."""
        ...


class BounceReceipts(Protocol):
    """The ids of the signed bounce reports already acted on, each kept while a copy could still pass the
    signature check, so a replayed report does nothing."""

    async def first_time(self, report_id: str, replayable_until: datetime) -> bool:
        """Records the id; False if it was already recorded (a replay), whichever instance recorded it."""
        ...
    async def prune(self, before: datetime, limit: int = 1000) -> int:
        """Forgets at most `limit` ids no longer replayable at `before`; how many went."""
        ...
