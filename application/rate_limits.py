"""Limits counted in fixed windows shared by every instance of the service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from application.ports import Clock, UnitOfWork
from domain.errors import RateLimited


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


async def count_request(uow: UnitOfWork, action: str, client: str, rule: RateLimit, now: datetime) -> None:
    """Counts a client's request for `action` in `uow` (the caller commits); past the limit, RateLimited."""
    if await uow.rate_limits.hit(f"{action}:{client}", rule.window_start(now)) > rule.limit:
        raise RateLimited(rule.retry_after(now))


def password_guesses_key(subject: str, client: str) -> str:
    """Guesses at one account's password from one client: login and every endpoint that asks for the
    password again count into the same key, so a stolen access token buys no extra guesses."""
    return f"login-guesses:{subject}:{client}"


class CheckRequestRate:
    """Counts a request against its client's limit for an action; past it, RateLimited."""

    def __init__(self, uow: UnitOfWork, clock: Clock, rule: RateLimit) -> None:
        self._uow = uow
        self._clock = clock
        self._rule = rule

    async def execute(self, action: str, client: str) -> None:
        now = self._clock.now()
        async with self._uow as uow:
            try:
                await count_request(uow, action, client, self._rule, now)
            finally:
                await uow.commit()  # a refused request counts too, or a flood would cost nothing
