from __future__ import annotations

from application.account_emails import AccountEmails
from application.ports import UnitOfWork
from domain.email import Email


class ResendVerification:
    """Queues a new verification email for an unverified account; says nothing about the address."""

    def __init__(self, uow: UnitOfWork, emails: AccountEmails) -> None:
        self._uow = uow
        self._emails = emails

    async def execute(self, address: str) -> None:
        email = Email.parse(address)
        async with self._uow as uow:
            user = await uow.users.get_by_email(email)
            if user is None or user.is_verified:
                return
            await uow.outbox.add(self._emails.verification(user))
            await uow.commit()
