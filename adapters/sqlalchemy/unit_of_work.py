from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.code_failures import SqlAlchemyCodeFailures
from adapters.sqlalchemy.email_requests import SqlAlchemyEmailRequests
from adapters.sqlalchemy.factors import SqlAlchemyFactorRepository
from adapters.sqlalchemy.one_time_codes import SqlAlchemyOneTimeCodes
from adapters.sqlalchemy.outbox import SqlAlchemyOutbox
from adapters.sqlalchemy.pending_sign_ins import SqlAlchemyPendingSignIns
from adapters.sqlalchemy.rate_limits import SqlAlchemyRateLimitCounters
from adapters.sqlalchemy.refresh_tokens import SqlAlchemyRefreshTokenRepository
from adapters.sqlalchemy.security_events import SqlAlchemySecurityEvents
from adapters.sqlalchemy.storage_errors import StorageConnection, connect
from adapters.sqlalchemy.suppressions import SqlAlchemyBounceReceipts, SqlAlchemySuppressions
from adapters.sqlalchemy.users import SqlAlchemyUserRepository
from adapters.sqlalchemy.webhooks import (
    SqlAlchemyEventOutbox,
    SqlAlchemyWebhookDeliveries,
    SqlAlchemyWebhookSubscriptions,
)
from application.ports.clock import Clock
from application.shared.throttle import CountingThrottle
from domain.limits import Limits


class SqlAlchemyUnitOfWork:
    """One connection, one transaction; leaving the block without commit() rolls back.

    The repositories speak SQLAlchemy Core on a plain connection: there are no ORM objects to track,
    so an ORM session would only add work to every request.
    """

    def __init__(self, *, engine: AsyncEngine, limits: Limits, clock: Clock) -> None:
        self._engine = engine
        self._limits = limits
        self._clock = clock
        self._connection: StorageConnection | None = None

    async def __aenter__(self) -> SqlAlchemyUnitOfWork:
        self._connection = await connect(self._engine)
        self.users = SqlAlchemyUserRepository(self._connection)
        self.refresh_tokens = SqlAlchemyRefreshTokenRepository(self._connection)
        self.outbox = SqlAlchemyOutbox(self._connection)
        self.rate_limits = SqlAlchemyRateLimitCounters(self._connection)
        self.throttle = CountingThrottle(counters=self.rate_limits, limits=self._limits, clock=self._clock)
        self.email_requests = SqlAlchemyEmailRequests(self._connection)
        self.codes = SqlAlchemyOneTimeCodes(self._connection)
        self.code_failures = SqlAlchemyCodeFailures(self._connection)
        self.events = SqlAlchemyEventOutbox(self._connection)
        self.security_events = SqlAlchemySecurityEvents(self._connection)
        self.suppressions = SqlAlchemySuppressions(self._connection)
        self.bounce_receipts = SqlAlchemyBounceReceipts(self._connection)
        self.webhooks = SqlAlchemyWebhookSubscriptions(self._connection)
        self.webhook_deliveries = SqlAlchemyWebhookDeliveries(self._connection)
        self.factors = SqlAlchemyFactorRepository(self._connection)
        self.pending_sign_ins = SqlAlchemyPendingSignIns(self._connection)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._connection is not None
        try:
            await self._connection.rollback()
        finally:
            await self._connection.close()
            self._connection = None

    async def commit(self) -> None:
        assert self._connection is not None
        await self._connection.commit()
