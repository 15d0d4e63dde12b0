from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

from application.ports.clock import Clock
from application.ports.unit_of_work import (
    HasBounceReceipts,
    HasCodeFailures,
    HasEmailRequests,
    HasOutbox,
    HasPendingSignIns,
    HasRateLimits,
    HasRefreshTokens,
    HasSecurityEvents,
    HasWebhookDeliveries,
    Transaction,
)


class _Work(
    Transaction,
    HasRefreshTokens,
    HasOutbox,
    HasRateLimits,
    HasEmailRequests,
    HasCodeFailures,
    HasSecurityEvents,
    HasBounceReceipts,
    HasWebhookDeliveries,
    HasPendingSignIns,
    Protocol,
): ...


_Prune = Callable[[_Work, datetime, int], Awaitable[int]]


def _nothing_counted(kind: str, count: int) -> None:
    pass


class Housekeeping:
    """Deletes what has served its purpose, a bounded batch of each kind at a time, each batch in a short
    transaction of its own, so no run holds a table long or keeps mail waiting: rate-limit windows past
    their time, quiet runs of wrong codes at addresses with no account, answered email requests, refresh
    tokens past their expiry, audit-trail entries, sent, dead, suppressed and cancelled messages and
    deliveries past their retention, and the ids of bounce reports no longer replayable. Pending ones never
    go.

    A run deletes one batch of each; the worker runs it again while it finds any."""

    KEEP_COUNTERS = timedelta(days=2)  # the longest window is a day
    KEEP_REQUESTS = timedelta(days=7)

    BATCH = 1000
    TRAIL_BATCH = BATCH

    def __init__(
        self,
        *,
        uow: _Work,
        clock: Clock,
        sent_retention: timedelta | None,
        unsent_retention: timedelta | None = None,
        token_retention: timedelta = timedelta(days=7),
        trail_retention: timedelta = timedelta(days=365),
        count: Callable[[str, int], None] = _nothing_counted,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._count = count  # how many of a kind went: for /metrics
        self._rules: list[tuple[str, timedelta | None, _Prune]] = [
            (
                "rate_limit_windows",
                self.KEEP_COUNTERS,
                lambda uow, before, n: uow.rate_limits.prune(before, n),
            ),
            (
                "code_failure_runs",
                self.KEEP_COUNTERS,
                lambda uow, before, n: uow.code_failures.prune(before, n),
            ),
            (
                "email_requests",
                self.KEEP_REQUESTS,
                lambda uow, before, n: uow.email_requests.prune(before, n),
            ),
            ("refresh_tokens", token_retention, lambda uow, before, n: uow.refresh_tokens.prune(before, n)),
            (
                "security_events",
                trail_retention,
                lambda uow, before, n: uow.security_events.prune(before, self.TRAIL_BATCH),
            ),
            ("sent_emails", sent_retention, lambda uow, before, n: uow.outbox.prune_sent(before, n)),
            ("unsent_emails", unsent_retention, lambda uow, before, n: uow.outbox.prune_unsent(before, n)),
            (
                "sent_webhooks",
                sent_retention,
                lambda uow, before, n: uow.webhook_deliveries.prune_sent(before, n),
            ),
            (
                "dead_webhooks",
                unsent_retention,
                lambda uow, before, n: uow.webhook_deliveries.prune_dead(before, n),
            ),
            # Kept until no copy of the report could pass the signature check: past that, nothing to hold.
            ("bounce_receipts", timedelta(0), lambda uow, before, n: uow.bounce_receipts.prune(before, n)),
            # A sign-in waiting for its second factor past its few minutes can no longer be completed.
            (
                "pending_sign_ins",
                timedelta(0),
                lambda uow, before, n: uow.pending_sign_ins.prune(before, n),
            ),
        ]

    async def execute(self) -> int:
        """How many rows went, in all."""
        now, total = self._clock.now(), 0
        for kind, retention, prune in self._rules:
            if retention is None:
                continue  # kept for ever
            async with self._uow as uow:
                count = await prune(uow, now - retention, self.BATCH)
                await uow.commit()
            if count:
                self._count(kind, count)
                total += count
        return total
