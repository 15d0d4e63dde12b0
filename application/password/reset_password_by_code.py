from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from application.password._put_new_password import put_new_password
from application.ports.clock import Clock
from application.ports.crypto import PasswordHasher
from application.ports.unit_of_work import (
    HasCodeFailures,
    HasCodes,
    HasEvents,
    HasOutbox,
    HasRefreshTokens,
    HasSecurityEvents,
    HasThrottle,
    HasUsers,
    Transaction,
)
from application.shared.account_emails import AccountEmails
from application.shared.code_book import CodeBook
from application.shared.record_event import record_event
from domain.codes import TokenPurpose
from domain.errors import PasswordsMismatch
from domain.events import EventType
from domain.password_policy import check_password
from domain.trail import SecurityEvent, SecurityEventType, SessionOrigin


class _Work(
    Transaction,
    HasUsers,
    HasRefreshTokens,
    HasOutbox,
    HasThrottle,
    HasCodes,
    HasCodeFailures,
    HasEvents,
    HasSecurityEvents,
    Protocol,
): ...


@dataclass(frozen=True, slots=True)
class CodeReset:
    email: str
    code: str
    new_password: str
    confirm_new_password: str
    client: str = ""
    origin: SessionOrigin = SessionOrigin()


class ResetPasswordByCode:
    """The reset email's code, typed in with a new password: as its link, once, and every session ends."""

    def __init__(
        self,
        *,
        uow: _Work,
        codes: CodeBook,
        hasher: PasswordHasher,
        emails: AccountEmails,
        clock: Clock,
        common_passwords: frozenset[str] = frozenset(),
    ) -> None:
        self._uow = uow
        self._codes = codes
        self._hasher = hasher
        self._emails = emails
        self._clock = clock
        self._common_passwords = common_passwords

    async def execute(self, reset: CodeReset) -> None:
        if reset.new_password != reset.confirm_new_password:
            raise PasswordsMismatch()
        check_password(reset.new_password, self._common_passwords)
        code = await self._codes.check(
            self._uow, reset.email, reset.code, TokenPurpose.RESET_PASSWORD, reset.client, origin=reset.origin
        )
        new_hash = await self._hasher.hash(reset.new_password)
        async with self._uow as uow:
            user = await self._codes.redeem(uow, code.id, code.user_id, sent_to=code.email)
            if user.verify_email(user.email):  # the code came by email: the mailbox is the user's
                await record_event(uow, EventType.USER_VERIFIED, user, self._clock.now(), origin=reset.origin)
            await put_new_password(uow, self._emails, user, new_hash, self._clock.now(), reset.origin)
            await uow.security_events.add(
                SecurityEvent.at(reset.origin, SecurityEventType.RESET_COMPLETED, user.id, self._clock.now())
            )
            await uow.commit()
