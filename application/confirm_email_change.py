from __future__ import annotations

import hmac
import uuid

from application.account_emails import credentials_fingerprint
from application.config import TokenLifetimes
from application.ports import TokenPurpose, TokenService, UnitOfWork
from application.views import UserView
from domain.email import Email
from domain.errors import InvalidToken, UserAlreadyExists


class ConfirmEmailChange:
    """Follows the link sent to the new address: the account takes it, and links for the old one die."""

    def __init__(self, *, uow: UnitOfWork, tokens: TokenService, lifetimes: TokenLifetimes) -> None:
        self._uow = uow
        self._tokens = tokens
        self._lifetimes = lifetimes

    async def execute(self, token: str) -> UserView:
        claims = self._tokens.load(TokenPurpose.CHANGE_EMAIL, token, self._lifetimes.verification)
        try:
            user_id, new, fingerprint = uuid.UUID(claims["sub"]), Email.parse(claims["new"]), str(claims["fp"])
        except (KeyError, ValueError, TypeError):
            raise InvalidToken() from None
        async with self._uow as uow:
            user = await uow.users.get_for_change(user_id)
            # Used already, or the address or password changed since (a reset retires a pending change).
            if user is None or not hmac.compare_digest(credentials_fingerprint(user), fingerprint):
                raise InvalidToken()
            user.change_email(new)
            try:
                await uow.users.save(user)
            except UserAlreadyExists:
                raise UserAlreadyExists("Another account has taken this address since the link was sent.",
                                        "Ask for the change again with another address.") from None
            await uow.commit()
        return UserView.of(user)
