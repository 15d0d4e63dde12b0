"""Limits on requests, by named rule: every rule's window and limit in one table, every key built here."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from domain.errors import RateLimited

if TYPE_CHECKING:  # the ports name this module's Rule and Spent
    from application.ports import Clock, RateLimitCounters


class Rule(str, enum.Enum):
    """What is counted; the value prefixes the counter's key, as it has since counters were first kept."""

    SIGNUP_PER_CLIENT = "signup"
    LOGIN_PER_CLIENT = "login"
    PASSWORD_GUESSES = "login-guesses"  # per account and client, at login and wherever a password is asked again
    RESET_REQUESTS_PER_CLIENT = "password-reset-request"
    VERIFICATION_REQUESTS_PER_CLIENT = "resend-verification"
    EMAILS_PER_ADDRESS = "emails"  # every email to one address, of whatever kind
    ACCOUNT_CHANGES_PER_CLIENT = "account"  # change-password, change-email
    CODE_GUESSES_PER_CLIENT = "code-guesses"  # tries at the codes in emails
    # Wrong codes per address and client, whatever the code or its purpose: PASSWORD_GUESSES' sibling, with its
    # limit and window. Not the same counter: past it a code is answered as a wrong code, a password with 429,
    # and a code and a password are different secrets, each guessed at its own budget.
    CODE_FAILURES = "code-failures"
    LOGIN_CODE_REQUESTS_PER_CLIENT = "login-code-request"


@dataclass(frozen=True, slots=True)
class RateLimit:
    limit: int
    window: timedelta

    def window_start(self, now: datetime) -> datetime:
        seconds = self.window.total_seconds()
        return datetime.fromtimestamp(now.timestamp() // seconds * seconds, UTC)

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until the current window ends."""
        return int((self.window_start(now) + self.window - now).total_seconds()) + 1


Limits = Mapping[Rule, RateLimit]


@dataclass(frozen=True, slots=True)
class Spent:
    """One request counted: what a refund gives back, in the window it was counted in."""

    key: str
    window_start: datetime


class CountingThrottle:
    """The Throttle port over fixed-window counters, which the unit of work keeps in its transaction."""

    def __init__(self, *, counters: RateLimitCounters, limits: Limits, clock: Clock) -> None:
        self._counters = counters
        self._limits = limits
        self._clock = clock

    async def spend(self, rule: Rule, *subject: str) -> Spent:
        now = self._clock.now()
        spent, count = await self._count(rule, subject, now)
        if count > self._limits[rule].limit:
            raise RateLimited(self._limits[rule].retry_after(now))
        return spent

    async def allows(self, rule: Rule, *subject: str) -> bool:
        _, count = await self._count(rule, subject, self._clock.now())
        return count <= self._limits[rule].limit

    async def spend_within(self, rule: Rule, *subject: str) -> Spent | None:
        now = self._clock.now()
        spent, count = await self._count(rule, subject, now)
        return spent if count <= self._limits[rule].limit else None

    async def refund(self, spent: Spent) -> None:
        await self._counters.hit(spent.key, spent.window_start, -1)

    async def _count(self, rule: Rule, subject: tuple[str, ...], now: datetime) -> tuple[Spent, int]:
        spent = Spent(":".join((rule.value, *subject)), self._limits[rule].window_start(now))
        return spent, await self._counters.hit(spent.key, spent.window_start)
