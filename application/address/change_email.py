from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from application.ports.clock import Clock
from application.ports.unit_of_work import HasEmailRequests, HasUsers, Transaction
from application.shared.current_password import CurrentPassword
from domain.email import Email
from domain.email_requests import EmailRequest, EmailRequestKind
from domain.errors import UserAlreadyExists


class _Work(Transaction, HasUsers, HasEmailRequests, Protocol): ...


@dataclass(frozen=True, slots=True)
class EmailChange:
    user_id: uuid.UUID
    new_email: str
    password: str
    client: str = ""


class ChangeEmail:
    """Asks for a confirmation link to the new address and a notice to the old (the worker sends them);
    nothing changes until the link or its code."""

    def __init__(
        self,
        *,
        uow: _Work,
        current_password: CurrentPassword,
        clock: Clock,
        reveal_existing_accounts: bool = True,
    ) -> None:
        self._uow = uow
        self._current_password = current_password
        self._clock = clock
        # False where sign-up hides taken addresses: then a taken one gets the usual answer, and no link.
        self._reveal_existing_accounts = reveal_existing_accounts

    async def execute(self, change: EmailChange) -> None:
        new_email = Email.parse(change.new_email)
        user = await self._current_password.confirm(change.user_id, change.password, change.client)
        async with self._uow as uow:
            if (
                self._reveal_existing_accounts
                and new_email != user.email
                and await uow.users.get_by_email(new_email) is not None
            ):
                raise UserAlreadyExists("Another account uses this email address.", "Choose another address.")
            # Else whether the address is free is for the worker to find: the answer does the same work.
            await uow.email_requests.add(
                EmailRequest(EmailRequestKind.CHANGE_EMAIL, new_email, self._clock.now(), user.id)
            )
            await uow.commit()
