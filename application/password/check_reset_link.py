from __future__ import annotations

from typing import Protocol

from application.password._reset_link import ResetLink
from application.ports.crypto import TokenService
from application.ports.unit_of_work import HasUsers, Transaction
from application.shared.config import TokenLifetimes


class _Work(Transaction, HasUsers, Protocol): ...


class CheckResetLink:
    """Whether a reset link still works, without using it, and whose account it resets: for the page that
    shows its form."""

    def __init__(self, *, uow: _Work, tokens: TokenService, lifetimes: TokenLifetimes) -> None:
        self._uow = uow
        self._tokens = tokens
        self._lifetimes = lifetimes

    async def execute(self, token: str) -> str:
        """The account's email address; raises InvalidToken or TokenExpired when the link does not work."""
        link = ResetLink.load(self._tokens, token, self._lifetimes)
        async with self._uow as uow:
            user = await link.account(uow.users)
        return str(user.email)
