from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from application.ports.unit_of_work import HasOutbox, HasThrottle, Transaction
from application.shared.account_emails import AccountEmails
from domain.email import Email
from domain.limits import Rule


class _Work(Transaction, HasOutbox, HasThrottle, Protocol): ...


MAX_RECIPIENTS = 50


@dataclass(frozen=True, slots=True)
class MailQueued:
    recipients: int
    # Addresses that had their share of email for the hour already: a stolen admin token floods no inbox.
    skipped: int = 0


class SendMail:
    """An administrator's message, queued once per recipient so no one sees the others."""

    def __init__(self, *, uow: _Work, emails: AccountEmails) -> None:
        self._uow = uow
        self._emails = emails

    async def execute(self, addresses: Sequence[str], locale: str | None = None) -> MailQueued:
        """`locale`: the language of the message, for recipients who may have no account to say theirs."""
        recipients = list(dict.fromkeys(str(Email.parse(a)) for a in addresses))
        queued = 0
        async with self._uow as uow:
            for recipient in recipients:
                if await uow.throttle.allows(Rule.EMAILS_PER_ADDRESS, recipient):
                    await uow.outbox.add(self._emails.custom(recipient, "admin_message", locale))
                    queued += 1
            await uow.commit()
        return MailQueued(recipients=queued, skipped=len(recipients) - queued)
