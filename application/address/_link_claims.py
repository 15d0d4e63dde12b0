"""What the verification and email-change links say, and whether they still fit their account: the pages
that show them and the use cases that follow them share it."""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass

from application.ports.crypto import TokenService
from application.shared.account_emails import credentials_fingerprint
from application.shared.config import TokenLifetimes
from domain.codes import TokenPurpose
from domain.email import Email
from domain.errors import InvalidToken
from domain.user import User


@dataclass(frozen=True, slots=True)
class VerificationLinkClaims:
    user_id: uuid.UUID
    email: Email

    @classmethod
    def load(cls, tokens: TokenService, token: str, lifetimes: TokenLifetimes) -> VerificationLinkClaims:
        """Raises InvalidToken or TokenExpired."""
        claims = tokens.load(TokenPurpose.VERIFY_EMAIL, token, lifetimes.verification)
        try:
            return cls(uuid.UUID(claims["sub"]), Email.parse(claims["email"]))
        except (KeyError, ValueError, TypeError):
            raise InvalidToken() from None

    def matches(self, user: User | None) -> User:
        # A link for an address the account no longer has proves nothing.
        if user is None or user.email != self.email:
            raise InvalidToken()
        return user


@dataclass(frozen=True, slots=True)
class EmailChangeLinkClaims:
    user_id: uuid.UUID
    new_email: Email
    fingerprint: str

    @classmethod
    def load(cls, tokens: TokenService, token: str, lifetimes: TokenLifetimes) -> EmailChangeLinkClaims:
        """Raises InvalidToken or TokenExpired."""
        claims = tokens.load(TokenPurpose.CHANGE_EMAIL, token, lifetimes.verification)
        try:
            return cls(uuid.UUID(claims["sub"]), Email.parse(claims["new"]), str(claims["fp"]))
        except (KeyError, ValueError, TypeError):
            raise InvalidToken() from None

    def matches(self, user: User | None) -> User:
        # Used already, or the address or password changed since (a reset retires a pending change).
        if user is None or not hmac.compare_digest(credentials_fingerprint(user), self.fingerprint):
            raise InvalidToken()
        return user
