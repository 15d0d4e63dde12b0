from __future__ import annotations

from application.ports import Clock, EmailRequestKind, UnitOfWork
from application.request_reset import RecordEmailRequest


class ResendVerification(RecordEmailRequest):
    """Asks for a new verification link for an address (sent only if it has an unverified account)."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        super().__init__(uow, clock, EmailRequestKind.VERIFY_EMAIL)
