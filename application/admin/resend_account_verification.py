from __future__ import annotations

import uuid
from typing import Protocol

from application.admin.administer_account import no_such_account
from application.ports.clock import Clock
from application.ports.unit_of_work import HasEmailRequests, HasUsers, Transaction
from domain.email_requests import EmailRequest, EmailRequestKind


class _Work(Transaction, HasUsers, HasEmailRequests, Protocol): ...


class ResendAccountVerification:
    """An administrator has the verification email sent again; the worker sends it while the address is
    unverified, under the per-address email limit as every email."""

    def __init__(self, *, uow: _Work, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, user_id: uuid.UUID) -> None:
        async with self._uow as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise no_such_account()
            await uow.email_requests.add(
                EmailRequest(EmailRequestKind.VERIFY_EMAIL, user.email, self._clock.now())
            )
            await uow.commit()
