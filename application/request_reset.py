from __future__ import annotations

from application.ports import Clock, EmailRequest, EmailRequestKind, UnitOfWork
from application.rate_limits import RateLimit, count_request
from domain.email import Email


class RecordEmailRequest:
    """Records a request for a reset or verification email; the worker answers it.

    The request does the same work whether or not the address has an account (one insert, no lookup,
    no hash), so neither its answer nor its timing tells an account exists. The client's request count
    is kept in the same transaction: one commit a request. An address that is not one is refused before
    any of that, and is not counted.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock, per_client: RateLimit, kind: EmailRequestKind,
                 action: str) -> None:
        self._uow = uow
        self._clock = clock
        self._per_client = per_client
        self._kind = kind
        self._action = action

    async def execute(self, address: str, client: str) -> None:
        request = EmailRequest(self._kind, Email.parse(address), self._clock.now())
        async with self._uow as uow:
            await uow.email_requests.add(request)
            # Counted last: the client's counter row stays locked from here to the commit, and requests
            # from one client (a backend calling for its users, a proxy) queue on it. Past the limit the
            # whole transaction rolls back: a refused request writes nothing.
            await count_request(uow, self._action, client, self._per_client, request.created_at)
            await uow.commit()


class RequestReset(RecordEmailRequest):
    """Asks for a password-reset link for an address."""

    def __init__(self, uow: UnitOfWork, clock: Clock, per_client: RateLimit) -> None:
        super().__init__(uow, clock, per_client, EmailRequestKind.RESET_PASSWORD, "password-reset-request")
