from __future__ import annotations

from typing import Protocol

from application.ports.clock import Clock
from application.ports.unit_of_work import (
    HasCodeFailures,
    HasCodes,
    HasEvents,
    HasSecurityEvents,
    HasThrottle,
    HasUsers,
    Transaction,
)
from application.shared.code_book import CodeBook
from application.shared.code_entry import CodeEntry
from application.shared.record_event import record_event
from domain.codes import TokenPurpose
from domain.events import EventType


class _Work(
    Transaction, HasUsers, HasThrottle, HasCodes, HasCodeFailures, HasEvents, HasSecurityEvents, Protocol
): ...


class VerifyEmailByCode:
    """The verification email's code, typed in: as its link, it proves the address."""

    def __init__(self, *, uow: _Work, codes: CodeBook, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock
        self._codes = codes

    async def execute(self, entry: CodeEntry) -> bool:
        """True when this verified the account; the code is used up either way."""
        code = await self._codes.check(
            self._uow, entry.email, entry.code, TokenPurpose.VERIFY_EMAIL, entry.client, origin=entry.origin
        )
        async with self._uow as uow:
            user = await self._codes.redeem(uow, code.id, code.user_id, sent_to=code.email)
            if changed := user.verify_email(code.email):
                await record_event(uow, EventType.USER_VERIFIED, user, self._clock.now(), origin=entry.origin)
            await uow.users.save(user)
            await uow.commit()
        return changed
