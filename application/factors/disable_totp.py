from __future__ import annotations

from typing import Protocol

from application.factors._notices import tell
from application.ports.clock import Clock
from application.ports.unit_of_work import (
    HasCodes,
    HasEvents,
    HasFactors,
    HasOutbox,
    HasSecurityEvents,
    HasUsers,
    Transaction,
)
from application.shared.account_emails import AccountEmails
from application.shared.authenticate import Caller
from domain.errors import NotAuthenticated, NotFound
from domain.events import EventType
from domain.trail import SecurityEventType, SessionOrigin


class _Work(
    Transaction, HasUsers, HasFactors, HasOutbox, HasCodes, HasEvents, HasSecurityEvents, Protocol
): ...


class DisableTotp:
    """Turns the account's authenticator app off (the caller signed in with a second factor, recently);
    with no factor left, the recovery codes go too, and the owner is told."""

    def __init__(self, *, uow: _Work, emails: AccountEmails, clock: Clock) -> None:
        self._uow = uow
        self._emails = emails
        self._clock = clock

    async def execute(self, caller: Caller, origin: SessionOrigin = SessionOrigin()) -> None:
        user_id = caller.user.id
        async with self._uow as uow:
            user = await uow.users.get_for_change(user_id)
            if user is None:
                raise NotAuthenticated()
            factor = await uow.factors.get_totp(user_id)
            if factor is None or not factor.confirmed:
                raise NotFound()
            await uow.factors.remove_totp(user_id)
            now = self._clock.now()
            left = await uow.factors.summary(user_id)
            if not left.enabled:  # recovery codes complete a sign-in only where there is a factor
                await uow.factors.replace_recovery_codes(user_id, [], now)
            await tell(
                uow,
                self._emails,
                user,
                now,
                SecurityEventType.TOTP_DISABLED,
                "totp_disabled",
                origin,
                None if left.enabled else EventType.USER_MFA_DISABLED,
            )
            await uow.commit()
