from __future__ import annotations

import uuid

from application.account_emails import AccountEmails
from application.config import TokenLifetimes
from application.ports import (
    PasswordHasher,
    TokenPurpose,
    TokenService,
    UnitOfWork,
)
from domain.email import Email
from domain.errors import InvalidToken, UserAlreadyExists, WrongPassword
from domain.user import User


class ChangeEmail:
    """Sends a confirmation link to the new address and a notice to the old; nothing changes until the link."""

    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, emails: AccountEmails) -> None:
        self._uow = uow
        self._hasher = hasher
        self._emails = emails

    async def execute(self, user: User, new_address: str, password: str) -> None:
        new_email = Email.parse(new_address)
        if not await self._hasher.verify(user.password_hash, password):
            raise WrongPassword()
        async with self._uow as uow:
            if new_email != user.email and await uow.users.get_by_email(new_email) is not None:
                raise UserAlreadyExists("Another account uses this email address.", "Choose another address.")
            await uow.outbox.add(self._emails.email_change(user, new_email))
            await uow.outbox.add(self._emails.email_change_notice(user, new_email))
            await uow.commit()


class ConfirmEmailChange:
    """Follows the link sent to the new address: the account takes it, and links for the old one die."""

    def __init__(self, uow: UnitOfWork, tokens: TokenService, lifetimes: TokenLifetimes) -> None:
        self._uow = uow
        self._tokens = tokens
        self._lifetimes = lifetimes

    async def execute(self, token: str) -> User:
        claims = self._tokens.load(TokenPurpose.CHANGE_EMAIL, token, self._lifetimes.verification)
        try:
            user_id, old, new = uuid.UUID(claims["sub"]), Email.parse(claims["old"]), Email.parse(claims["new"])
        except (KeyError, ValueError, TypeError):
            raise InvalidToken() from None
        async with self._uow as uow:
            user = await uow.users.get(user_id, for_update=True)
            if user is None or user.email != old:
                raise InvalidToken()  # used already, or the address changed another way since
            user.change_email(new)
            await uow.users.save(user)  # another account taking the address first fails here: UserAlreadyExists
            await uow.commit()
        return user
