from __future__ import annotations

from application.ports import Clock, EmailRequestKind, UnitOfWork
from application.rate_limits import RateLimit
from application.request_reset import RecordEmailRequest


class ResendVerification(RecordEmailRequest):
    """Asks for a new verification link for an address (sent only if it has an unverified account)."""

    def __init__(self, uow: UnitOfWork, clock: Clock, per_client: RateLimit) -> None:
        super().__init__(uow, clock, per_client, EmailRequestKind.VERIFY_EMAIL, "resend-verification")
