"""The throttle: counts requests under the named rules of domain/limits.py, in the unit of work's counters."""

from __future__ import annotations

from datetime import datetime

from application.ports.clock import Clock
from application.ports.limits import RateLimitCounters
from domain.errors import RateLimited
from domain.limits import Limits, Rule, Spent


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

    async def spend_each(self, *asks: tuple[Rule, tuple[str, ...]]) -> list[Spent]:
        now = self._clock.now()
        spent = [self._spent(rule, subject, now) for rule, subject in asks]
        counts = await self._counters.hit_each([(s.key, s.window_start) for s in spent])
        for (rule, _), count in zip(asks, counts, strict=True):
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
        await self._counters.take_back(spent.key, spent.window_start)

    async def _count(self, rule: Rule, subject: tuple[str, ...], now: datetime) -> tuple[Spent, int]:
        spent = self._spent(rule, subject, now)
        return spent, await self._counters.hit(spent.key, spent.window_start)

    def _spent(self, rule: Rule, subject: tuple[str, ...], now: datetime) -> Spent:
        return Spent(":".join((rule.value, *subject)), self._limits[rule].window_start(now))
