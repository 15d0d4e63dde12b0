"""Request counting: the shared counters and the throttle over them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from domain.limits import Rule, Spent


class RateLimitCounters(Protocol):
    """Counts events per key in fixed time windows, in storage every instance of the service shares."""

    async def hit(self, key: str, window_start: datetime, amount: int = 1) -> int:
        """Adds `amount` (one event, or -1 to take one back); the window's count after it."""
        ...

    async def hit_each(self, windows: Sequence[tuple[str, datetime]]) -> list[int]:
        """Adds one event to each window (key and start; the keys distinct) at once; their counts after it,
        in order."""
        ...

    async def take_back(self, key: str, window_start: datetime) -> None:
        """Takes back one event counted in the window, answering no count: a refund nobody reads."""
        ...

    async def prune(self, before: datetime, limit: int = 1000) -> int:
        """Deletes at most `limit` of the windows that started before `before`; how many went."""
        ...


class Throttle(Protocol):
    """Counts requests under named rules (domain/limits.py), in the unit of work's transaction."""

    async def spend(self, rule: Rule, *subject: str) -> Spent:
        """Counts one request; past the rule's limit raises RateLimited."""
        ...

    async def spend_each(self, *asks: tuple[Rule, tuple[str, ...]]) -> list[Spent]:
        """Counts one request under each rule (of distinct rules), at once; past a rule's limit raises
        RateLimited, the first such rule's."""
        ...

    async def allows(self, rule: Rule, *subject: str) -> bool:
        """Counts one request; False past the limit, for a limit that stays silent."""
        ...

    async def spend_within(self, rule: Rule, *subject: str) -> Spent | None:
        """Counts one request; None past the limit (counted all the same), for a caller that answers the
        refusal its own way (a wrong code's answer, which tells nothing)."""
        ...

    async def refund(self, spent: Spent) -> None:
        """Gives back what was counted: it turned out to be no abuse (a right password)."""
        ...
