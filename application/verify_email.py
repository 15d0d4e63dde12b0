from __future__ import annotations

import uuid

from application.config import TokenLifetimes
from application.ports import TokenPurpose, TokenService, UnitOfWork
from domain.email import Email
from domain.errors import InvalidToken


class VerifyEmail:
    """Marks the address verified when the link's token is good; a second click changes nothing."""

    def __init__(self, *, uow: UnitOfWork, tokens: TokenService, lifetimes: TokenLifetimes) -> None:
        self._uow = uow
        self._tokens = tokens
        self._lifetimes = lifetimes

    async def execute(self, token: str) -> bool:
        """True when this call verified the account, False when it was verified already."""
        claims = self._tokens.load(TokenPurpose.VERIFY_EMAIL, token, self._lifetimes.verification)
        try:
            user_id, address = uuid.UUID(claims["sub"]), Email.parse(claims["email"])
        except (KeyError, ValueError, TypeError):
            raise InvalidToken() from None
        async with self._uow as uow:
            user = await uow.users.get_for_change(user_id)
            # A link for an address the account no longer has proves nothing.
            if user is None or user.email != address:
                raise InvalidToken()
            if not user.verify_email(address):
                return False
            await uow.users.save(user)
            await uow.commit()
        return True
