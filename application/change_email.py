from __future__ import annotations

import uuid
from dataclasses import dataclass

from application.account_emails import AccountEmails
from application.current_password import CurrentPassword
from application.ports import UnitOfWork
from application.throttle import Rule
from domain.email import Email
from domain.errors import UserAlreadyExists


@dataclass(frozen=True, slots=True)
class EmailChange:
    user_id: uuid.UUID
    new_email: str
    password: str
    client: str = ""


class ChangeEmail:
    """Sends a confirmation link to the new address and a notice to the old; nothing changes until the link."""

    def __init__(self, *, uow: UnitOfWork, current_password: CurrentPassword, emails: AccountEmails,
                 reveal_existing_accounts: bool = True) -> None:
        self._uow = uow
        self._current_password = current_password
        self._emails = emails
        # False where sign-up hides taken addresses: then a taken one gets the usual answer, and no link.
        self._reveal_existing_accounts = reveal_existing_accounts

    async def execute(self, change: EmailChange) -> None:
        new_email = Email.parse(change.new_email)
        confirmed = await self._current_password.confirm(change.user_id, change.password, change.client)
        user = confirmed.user
        async with self._uow as uow:
            await uow.throttle.refund(confirmed.guess)
            taken = new_email != user.email and await uow.users.get_by_email(new_email) is not None
            if taken and self._reveal_existing_accounts:
                raise UserAlreadyExists("Another account uses this email address.", "Choose another address.")
            # The new address is anyone's: it gets no more emails than the per-address limit, silently.
            if not taken and await uow.throttle.allows(Rule.EMAILS_PER_ADDRESS, str(new_email)):
                await self._emails.send_email_change(uow, user, new_email)
            await uow.commit()
