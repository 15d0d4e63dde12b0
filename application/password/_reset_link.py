"""What a reset link says, and whether it still matches its account: the form's check and the reset share
it."""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass

from application.ports.crypto import TokenService
from application.ports.users import UserRepository
from application.shared.account_emails import reset_fingerprint
from application.shared.config import TokenLifetimes
from domain.codes import TokenPurpose
from domain.errors import InvalidToken
from domain.user import User


@dataclass(frozen=True, slots=True)
class ResetLink:
    user_id: uuid.UUID
    fingerprint: str

    @classmethod
    def load(cls, tokens: TokenService, token: str, lifetimes: TokenLifetimes) -> ResetLink:
        """Raises InvalidToken or TokenExpired."""
        claims = tokens.load(TokenPurpose.RESET_PASSWORD, token, lifetimes.reset)
        try:
            return cls(uuid.UUID(claims["sub"]), str(claims["fp"]))
        except (KeyError, ValueError, TypeError):
            raise InvalidToken() from None

    def matches(self, user: User | None) -> User:
        """The account, if the link fits its current state; a used or superseded link is invalid."""
        if user is None or not hmac.compare_digest(reset_fingerprint(user), self.fingerprint):
            raise InvalidToken()
        return user

    async def account(self, users: UserRepository) -> User:
        return self.matches(await users.get(self.user_id))
