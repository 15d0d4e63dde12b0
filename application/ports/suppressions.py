"""The suppression list and the bounce reports already acted on."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from domain.suppressions import Suppression


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
