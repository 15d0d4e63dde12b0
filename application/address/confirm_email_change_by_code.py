from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from application.address._move_to_address import move_to_address
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
from domain.codes import TokenPurpose
from domain.trail import SessionOrigin
from domain.views import UserView


class _Work(
    Transaction, HasUsers, HasThrottle, HasCodes, HasCodeFailures, HasEvents, HasSecurityEvents, Protocol
): ...


@dataclass(frozen=True, slots=True)
class EmailChangeCode:
    user_id: uuid.UUID  # the account asking, from its access token
    email: str  # the new address, where the code was sent
    code: str
    client: str = ""
    origin: SessionOrigin = SessionOrigin()


class ConfirmEmailChangeByCode:
    """The code sent to the new address, typed in by the account that asked: the account takes the address."""

    def __init__(self, *, uow: _Work, codes: CodeBook, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock
        self._codes = codes

    async def execute(self, entry: EmailChangeCode) -> UserView:
        code = await self._codes.check(
            self._uow,
            entry.email,
            entry.code,
            TokenPurpose.CHANGE_EMAIL,
            entry.client,
            user_id=entry.user_id,
            origin=entry.origin,
        )
        async with self._uow as uow:
            user = await self._codes.redeem(uow, code.id, code.user_id)
            await move_to_address(uow, user, code.email, self._clock.now(), entry.origin)
            await uow.commit()
        return UserView.of(user)
