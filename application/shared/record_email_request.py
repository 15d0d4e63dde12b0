"""Asking for an emailed link (a reset, a new verification): recorded, and answered later by the worker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from application.ports.clock import Clock
from application.ports.unit_of_work import HasEmailRequests, HasThrottle, Transaction
from domain.email import Email
from domain.email_requests import EmailRequest, EmailRequestKind
from domain.limits import Rule
from domain.trail import SessionOrigin


class _Work(Transaction, HasThrottle, HasEmailRequests, Protocol): ...


@dataclass(frozen=True, slots=True)
class LinkRequest:
    email: str
    client: str = ""
    origin: SessionOrigin = SessionOrigin()


class RecordEmailRequest:
    """Records a request for an email about an address; the worker answers it.

    The request does the same work whether or not the address has an account (one insert, no lookup,
    no hash), so neither its answer nor its timing tells an account exists. An address that is not one is
    refused before any of that, and is not counted.
    """

    kind: EmailRequestKind
    per_client: Rule

    def __init__(self, *, uow: _Work, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, request: LinkRequest) -> None:
        recorded = EmailRequest(
            self.kind, Email.parse(request.email), self._clock.now(), origin=request.origin
        )
        async with self._uow as uow:
            await uow.email_requests.add(recorded)
            # Counted last, so the client's counter is held only until the commit (requests from one client,
            # a backend or a proxy, queue on it); past the limit nothing is written.
            await uow.throttle.spend(self.per_client, request.client)
            await uow.commit()
