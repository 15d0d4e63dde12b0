"""Builds the verification and reset emails, each with a signed link of its own purpose."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from application.config import Links, TokenLifetimes
from application.mail import OutboxMessage
from application.ports import Clock, EmailRenderer, TokenPurpose, TokenService
from domain.user import User


def password_fingerprint(password_hash: str) -> str:
    # A reset token carries this, so it dies as soon as the password (hence its hash) changes.
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


class AccountEmails:
    def __init__(self, tokens: TokenService, renderer: EmailRenderer, links: Links, clock: Clock,
                 lifetimes: TokenLifetimes) -> None:
        self._tokens = tokens
        self._lifetimes = lifetimes
        self._renderer = renderer
        self._links = links
        self._clock = clock

    def verification(self, user: User) -> OutboxMessage:
        token = self._tokens.issue(TokenPurpose.VERIFY_EMAIL, {"sub": str(user.id), "email": str(user.email)})
        return self._message(user, "verify_email", self._lifetimes.verification,
                             link=self._links.verification(token))

    def password_reset(self, user: User) -> OutboxMessage:
        token = self._tokens.issue(TokenPurpose.RESET_PASSWORD,
                                   {"sub": str(user.id), "pwd": password_fingerprint(user.password_hash)})
        return self._message(user, "reset_password", self._lifetimes.reset, link=self._links.reset(token))

    def custom(self, recipient: str, template: str, link_lifetime: timedelta | None = None,
               **values: Any) -> OutboxMessage:
        content = self._renderer.render(template, values)
        now = self._clock.now()
        return OutboxMessage(recipient=recipient, content=content, created_at=now,
                             expires_at=now + link_lifetime if link_lifetime else None)

    def _message(self, user: User, template: str, link_lifetime: timedelta, **values: Any) -> OutboxMessage:
        return self.custom(str(user.email), template, link_lifetime,
                           name=user.first_name or user.username or "", **values)
