"""Asking a logged-in person for their password again, before a change that needs it."""

from __future__ import annotations

import uuid
from typing import Protocol

from application.ports.crypto import PasswordHasher
from application.ports.unit_of_work import HasThrottle, HasUsers, Transaction
from domain.errors import NotAuthenticated, WrongPassword
from domain.limits import Rule
from domain.user import User


class _Work(Transaction, HasUsers, HasThrottle, Protocol): ...


class CurrentPassword:
    """Checks the account's current password, each try counted as login counts a guess (per account and
    client), so a stolen access token buys no extra guesses."""

    def __init__(self, *, uow: _Work, hasher: PasswordHasher) -> None:
        self._uow = uow
        self._hasher = hasher

    async def confirm(self, user_id: uuid.UUID, password: str, client: str) -> User:
        """The account as it was when its password was found right; WrongPassword otherwise."""
        async with self._uow as uow:
            await uow.throttle.spend(Rule.ACCOUNT_CHANGES_PER_CLIENT, client)
            user = await uow.users.get(user_id)
            if user is None:
                raise NotAuthenticated()
            guess = await uow.throttle.spend(Rule.PASSWORD_GUESSES, str(user.email), client)
            await uow.commit()
        if not await self._hasher.verify(user.password_hash, password):
            raise WrongPassword()
        async with self._uow as uow:
            await uow.throttle.refund(guess)  # a right password is no guess, whatever the change then finds
            await uow.commit()
        return user
