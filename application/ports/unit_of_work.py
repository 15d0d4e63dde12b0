"""One transaction over every repository, and the pieces it is made of: each use case declares the pieces
it uses (a transaction and the repositories it reads or writes), so its signature says what it touches and
a fake for it needs only those. The repositories are read-only properties so that a class holding them as
plain attributes (the adapter, the fakes) satisfies every piece."""

from __future__ import annotations

from typing import Protocol, Self

from application.ports.codes import CodeFailures, OneTimeCodes
from application.ports.events import EventOutbox
from application.ports.factors import FactorRepository, PendingSignIns
from application.ports.limits import RateLimitCounters, Throttle
from application.ports.mail import Outbox
from application.ports.requests import EmailRequests
from application.ports.sessions import RefreshTokenRepository
from application.ports.suppressions import BounceReceipts, Suppressions
from application.ports.trail import SecurityEvents
from application.ports.users import UserRepository
from application.ports.webhooks import WebhookDeliveries, WebhookSubscriptions


class Transaction(Protocol):
    """One transaction; leaving the block without `commit()` rolls it back."""

    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def commit(self) -> None: ...


class HasUsers(Protocol):
    @property
    def users(self) -> UserRepository: ...


class HasRefreshTokens(Protocol):
    @property
    def refresh_tokens(self) -> RefreshTokenRepository: ...


class HasOutbox(Protocol):
    @property
    def outbox(self) -> Outbox: ...


class HasThrottle(Protocol):
    @property
    def throttle(self) -> Throttle: ...


class HasRateLimits(Protocol):
    @property
    def rate_limits(self) -> RateLimitCounters: ...


class HasEmailRequests(Protocol):
    @property
    def email_requests(self) -> EmailRequests: ...


class HasCodes(Protocol):
    @property
    def codes(self) -> OneTimeCodes: ...


class HasCodeFailures(Protocol):
    @property
    def code_failures(self) -> CodeFailures: ...


class HasEvents(Protocol):
    @property
    def events(self) -> EventOutbox: ...


class HasSecurityEvents(Protocol):
    @property
    def security_events(self) -> SecurityEvents: ...


class HasSuppressions(Protocol):
    @property
    def suppressions(self) -> Suppressions: ...


class HasBounceReceipts(Protocol):
    @property
    def bounce_receipts(self) -> BounceReceipts: ...


class HasWebhooks(Protocol):
    @property
    def webhooks(self) -> WebhookSubscriptions: ...


class HasWebhookDeliveries(Protocol):
    @property
    def webhook_deliveries(self) -> WebhookDeliveries: ...


class HasFactors(Protocol):
    @property
    def factors(self) -> FactorRepository: ...


class HasPendingSignIns(Protocol):
    @property
    def pending_sign_ins(self) -> PendingSignIns: ...


class UnitOfWork(
    Transaction,
    HasUsers,
    HasRefreshTokens,
    HasOutbox,
    HasThrottle,
    HasRateLimits,
    HasEmailRequests,
    HasCodes,
    HasCodeFailures,
    HasEvents,
    HasSecurityEvents,
    HasSuppressions,
    HasBounceReceipts,
    HasWebhooks,
    HasWebhookDeliveries,
    HasFactors,
    HasPendingSignIns,
    Protocol,
):
    """The whole unit of work the adapters implement: one transaction over every repository."""
