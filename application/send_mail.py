from __future__ import annotations

from collections.abc import Sequence

from application.account_emails import AccountEmails
from application.ports import UnitOfWork
from domain.email import Email

MAX_RECIPIENTS = 50


class SendMail:
    """An administrator's message, queued once per recipient so no one sees the others."""

    def __init__(self, uow: UnitOfWork, emails: AccountEmails) -> None:
        self._uow = uow
        self._emails = emails

    async def execute(self, addresses: Sequence[str]) -> int:
        recipients = list(dict.fromkeys(str(Email.parse(a)) for a in addresses))
        async with self._uow as uow:
            for recipient in recipients:
                await uow.outbox.add(self._emails.custom(recipient, "admin_message"))
            await uow.commit()
        return len(recipients)
