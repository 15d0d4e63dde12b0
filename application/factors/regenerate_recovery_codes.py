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
from application.shared.recovery_codes import new_recovery_codes, recovery_digest
from domain.errors import NoSecondFactor, NotAuthenticated
from domain.trail import SecurityEventType, SessionOrigin


class _Work(
    Transaction, HasUsers, HasFactors, HasOutbox, HasCodes, HasEvents, HasSecurityEvents, Protocol
): ...


class RegenerateRecoveryCodes:
    """Ten new recovery codes, shown once; every earlier one stops working, and the owner is told."""

    def __init__(self, *, uow: _Work, emails: AccountEmails, clock: Clock) -> None:
        self._uow = uow
        self._emails = emails
        self._clock = clock

    async def execute(self, caller: Caller, origin: SessionOrigin = SessionOrigin()) -> list[str]:
        user_id = caller.user.id
        codes = new_recovery_codes()
        async with self._uow as uow:
            user = await uow.users.get_for_change(user_id)
            if user is None:
                raise NotAuthenticated()
            if not (await uow.factors.summary(user_id)).enabled:
                raise NoSecondFactor()
            now = self._clock.now()
            await uow.factors.replace_recovery_codes(
                user_id, [recovery_digest(user_id, c) for c in codes], now
            )
            await tell(
                uow,
                self._emails,
                user,
                now,
                SecurityEventType.RECOVERY_CODES_ISSUED,
                "recovery_codes_issued",
                origin,
            )
            await uow.commit()
        return codes
