"""One transaction over every repository."""

from __future__ import annotations

from typing import Protocol

from application.ports.codes import CodeFailures, OneTimeCodes
from application.ports.events import EventOutbox
from application.ports.limits import RateLimitCounters, Throttle
from application.ports.mail import Outbox
from application.ports.requests import EmailRequests
from application.ports.sessions import RefreshTokenRepository
from application.ports.suppressions import BounceReceipts, Suppressions
from application.ports.trail import SecurityEvents
from application.ports.users import UserRepository
from application.ports.webhooks import WebhookDeliveries, WebhookSubscriptions


class UnitOfWork(Protocol):
    """One transaction; leaving the block without `commit()` rolls it back."""

    users: UserRepository
    refresh_tokens: RefreshTokenRepository
    outbox: Outbox
    throttle: Throttle
    rate_limits: RateLimitCounters
    email_requests: EmailRequests
    codes: OneTimeCodes
    code_failures: CodeFailures
    events: EventOutbox
    security_events: SecurityEvents
    suppressions: Suppressions
    bounce_receipts: BounceReceipts
    webhooks: WebhookSubscriptions
    webhook_deliveries: WebhookDeliveries

    async def __aenter__(self) -> UnitOfWork: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def commit(self) -> None: ...
