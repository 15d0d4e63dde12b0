from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from application.ports.clock import Clock
from application.ports.unit_of_work import (
    HasCodeFailures,
    HasCodes,
    HasEvents,
    HasOutbox,
    HasSecurityEvents,
    HasThrottle,
    HasUsers,
    Transaction,
)
from application.shared.account_emails import AccountEmails
from application.shared.account_erasure import erase_account
from application.shared.code_book import CodeBook
from application.shared.current_password import CurrentPassword
from domain.codes import TokenPurpose
from domain.errors import LastAdmin, NotAuthenticated
from domain.trail import SessionOrigin


class _Work(
    Transaction,
    HasUsers,
    HasOutbox,
    HasThrottle,
    HasCodes,
    HasCodeFailures,
    HasEvents,
    HasSecurityEvents,
    Protocol,
): ...


@dataclass(frozen=True, slots=True)
class OwnDeletion:
    user_id: uuid.UUID
    password: str | None = None  # or
    code: str | None = None  # of a sign-in email asked for just before, for an account without a password
    client: str = ""
    origin: SessionOrigin = SessionOrigin()


class DeleteOwnAccount:
    """The owner deletes their account, proving it again with the password or a fresh sign-in code."""

    def __init__(
        self,
        *,
        uow: _Work,
        current_password: CurrentPassword,
        codes: CodeBook,
        emails: AccountEmails,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._current_password = current_password
        self._codes = codes
        self._emails = emails
        self._clock = clock

    async def execute(self, deletion: OwnDeletion) -> None:
        code = None
        if deletion.code is not None:
            async with self._uow as uow:
                user = await uow.users.get(deletion.user_id)
            if user is None:
                raise NotAuthenticated()
            code = await self._codes.check(
                self._uow,
                str(user.email),
                deletion.code,
                TokenPurpose.LOGIN,
                deletion.client,
                user.id,
                origin=deletion.origin,
            )
        else:
            await self._current_password.confirm(deletion.user_id, deletion.password or "", deletion.client)
        async with self._uow as uow:
            admins = await uow.users.lock_active_admins()
            if code is not None:
                user = await self._codes.redeem(uow, code.id, deletion.user_id)
            elif (user := await uow.users.get_for_change(deletion.user_id)) is None:
                raise NotAuthenticated()
            if user.is_active_admin and len(admins) <= 1:
                raise LastAdmin()
            await erase_account(uow, self._emails, user, self._clock.now(), origin=deletion.origin)
            await uow.commit()
