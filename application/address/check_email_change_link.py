from __future__ import annotations

from typing import Protocol

from application.address._link_claims import EmailChangeLinkClaims
from application.ports.crypto import TokenService
from application.ports.unit_of_work import HasUsers, Transaction
from application.shared.config import TokenLifetimes


class _Work(Transaction, HasUsers, Protocol): ...


class CheckEmailChangeLink:
    """The address an email-change link would give its account, without giving it: for the page that asks
    the person to confirm. Raises InvalidToken or TokenExpired when the link does not work."""

    def __init__(self, *, uow: _Work, tokens: TokenService, lifetimes: TokenLifetimes) -> None:
        self._uow = uow
        self._tokens = tokens
        self._lifetimes = lifetimes

    async def execute(self, token: str) -> str:
        link = EmailChangeLinkClaims.load(self._tokens, token, self._lifetimes)
        async with self._uow as uow:
            link.matches(await uow.users.get(link.user_id))
        return str(link.new_email)
