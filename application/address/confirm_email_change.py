from __future__ import annotations

from typing import Protocol

from application.address._link_claims import EmailChangeLinkClaims
from application.address._move_to_address import move_to_address
from application.ports.clock import Clock
from application.ports.crypto import TokenService
from application.ports.unit_of_work import HasCodes, HasEvents, HasSecurityEvents, HasUsers, Transaction
from application.shared.config import TokenLifetimes
from domain.trail import SessionOrigin
from domain.views import UserView


class _Work(Transaction, HasUsers, HasCodes, HasEvents, HasSecurityEvents, Protocol): ...


class ConfirmEmailChange:
    """Follows the link sent to the new address: the account takes it, and links for the old one die."""

    def __init__(self, *, uow: _Work, tokens: TokenService, lifetimes: TokenLifetimes, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock
        self._tokens = tokens
        self._lifetimes = lifetimes

    async def execute(self, token: str, origin: SessionOrigin = SessionOrigin()) -> UserView:
        link = EmailChangeLinkClaims.load(self._tokens, token, self._lifetimes)
        async with self._uow as uow:
            user = link.matches(await uow.users.get_for_change(link.user_id))
            await move_to_address(uow, user, link.new_email, self._clock.now(), origin)
            await uow.commit()
        return UserView.of(user)
