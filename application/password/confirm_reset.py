from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from application.password._put_new_password import put_new_password
from application.password._reset_link import ResetLink
from application.ports.clock import Clock
from application.ports.crypto import PasswordHasher, TokenService
from application.ports.unit_of_work import (
    HasCodeFailures,
    HasCodes,
    HasEvents,
    HasOutbox,
    HasRefreshTokens,
    HasSecurityEvents,
    HasUsers,
    Transaction,
)
from application.shared.account_emails import AccountEmails
from application.shared.config import TokenLifetimes
from application.shared.record_event import record_event
from domain.errors import PasswordsMismatch
from domain.events import EventType
from domain.password_policy import check_password
from domain.trail import SecurityEvent, SecurityEventType, SessionOrigin


class _Work(
    Transaction,
    HasUsers,
    HasRefreshTokens,
    HasOutbox,
    HasCodes,
    HasCodeFailures,
    HasEvents,
    HasSecurityEvents,
    Protocol,
): ...


@dataclass(frozen=True, slots=True)
class ResetConfirmation:
    token: str
    new_password: str
    confirm_new_password: str
    origin: SessionOrigin = SessionOrigin()


class ConfirmReset:
    """Sets a new password from a reset link; the link then dies, and so does every session."""

    def __init__(
        self,
        *,
        uow: _Work,
        tokens: TokenService,
        hasher: PasswordHasher,
        emails: AccountEmails,
        clock: Clock,
        lifetimes: TokenLifetimes,
        common_passwords: frozenset[str] = frozenset(),
    ) -> None:
        self._uow = uow
        self._emails = emails
        self._tokens = tokens
        self._hasher = hasher
        self._clock = clock
        self._lifetimes = lifetimes
        self._common_passwords = common_passwords

    async def execute(self, reset: ResetConfirmation) -> None:
        link = ResetLink.load(self._tokens, reset.token, self._lifetimes)
        if reset.new_password != reset.confirm_new_password:
            raise PasswordsMismatch()
        check_password(reset.new_password, self._common_passwords)
        async with self._uow as uow:
            account = await link.account(uow.users)  # a used link is refused before a hash is spent
        new_hash = await self._hasher.hash(reset.new_password)
        async with self._uow as uow:
            # The link proves the address: its run of wrong codes ends, before the account is held (as the
            # counters are taken before rows everywhere); undone with the rest if the link lost a race.
            await uow.code_failures.clear(account.email)
            # Checked again, held: of two concurrent uses of one link, exactly one wins.
            user = link.matches(await uow.users.get_for_change(link.user_id))
            if user.verify_email(user.email):  # following the emailed link proves the mailbox is the user's
                await record_event(uow, EventType.USER_VERIFIED, user, self._clock.now(), origin=reset.origin)
            await put_new_password(uow, self._emails, user, new_hash, self._clock.now(), reset.origin)
            await uow.security_events.add(
                SecurityEvent.at(reset.origin, SecurityEventType.RESET_COMPLETED, user.id, self._clock.now())
            )
            await uow.commit()
