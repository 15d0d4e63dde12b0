from __future__ import annotations

import uuid
from typing import Protocol

from application.admin.administer_account import no_such_account
from application.ports.clock import Clock
from application.ports.unit_of_work import HasEvents, HasOutbox, HasSecurityEvents, HasUsers, Transaction
from application.shared.account_emails import AccountEmails
from application.shared.account_erasure import erase_account
from domain.errors import LastAdmin
from domain.trail import SessionOrigin


class _Work(Transaction, HasUsers, HasOutbox, HasEvents, HasSecurityEvents, Protocol): ...


class DeleteAccount:
    """An administrator deletes an account, as its owner would; never the last verified administrator."""

    def __init__(self, *, uow: _Work, emails: AccountEmails, clock: Clock) -> None:
        self._uow = uow
        self._emails = emails
        self._clock = clock

    async def execute(
        self, user_id: uuid.UUID, actor_id: uuid.UUID | None = None, origin: SessionOrigin = SessionOrigin()
    ) -> None:
        async with self._uow as uow:
            admins = await uow.users.lock_active_admins()
            user = await uow.users.get_for_change(user_id)
            if user is None:
                raise no_such_account()
            if user.is_active_admin and len(admins) <= 1:
                raise LastAdmin()
            await erase_account(uow, self._emails, user, self._clock.now(), actor_id=actor_id, origin=origin)
            await uow.commit()
