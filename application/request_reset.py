from __future__ import annotations

from application.ports import Clock, EmailRequest, EmailRequestKind, UnitOfWork
from domain.email import Email


class RecordEmailRequest:
    """Records a request for a reset or verification email; the worker answers it.

    The request does the same work whether or not the address has an account (one insert, no lookup,
    no hash), so neither its answer nor its timing tells an account exists.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock, kind: EmailRequestKind) -> None:
        self._uow = uow
        self._clock = clock
        self._kind = kind

    async def execute(self, address: str) -> None:
        request = EmailRequest(self._kind, Email.parse(address), self._clock.now())
        async with self._uow as uow:
            await uow.email_requests.add(request)
            await uow.commit()


class RequestReset(RecordEmailRequest):
    """Asks for a password-reset link for an address."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        super().__init__(uow, clock, EmailRequestKind.RESET_PASSWORD)
