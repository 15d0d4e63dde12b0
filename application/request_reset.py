from __future__ import annotations

from application.account_emails import AccountEmails
from application.ports import UnitOfWork
from domain.email import Email


class RequestReset:
    """Queues a password-reset email when the account exists; the caller learns nothing either way."""

    def __init__(self, uow: UnitOfWork, emails: AccountEmails) -> None:
        self._uow = uow
        self._emails = emails

    async def execute(self, address: str) -> None:
        email = Email.parse(address)
        async with self._uow as uow:
            user = await uow.users.get_by_email(email)
            if user is None:
                return
            await uow.outbox.add(self._emails.password_reset(user))
            await uow.commit()
