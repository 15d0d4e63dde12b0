"""Builds the verification and reset emails, each with a signed link of its own purpose."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from typing import Any

from application.config import Links, TokenLifetimes
from application.mail import OutboxMessage
from application.ports import Clock, EmailRenderer, TokenPurpose, TokenService
from domain.email import Email
from domain.user import User


def reset_fingerprint(user: User) -> str:
    """A reset link carries this, so it dies when the password, the address or the latest request changes."""
    return _digest(user.password_hash, user.email.value, user.reset_nonce or "")


def credentials_fingerprint(user: User) -> str:
    """An email-change link carries this, so a password change or reset retires a pending change."""
    return _digest(user.password_hash, user.email.value)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


class AccountEmails:
    def __init__(self, *, tokens: TokenService, renderer: EmailRenderer, links: Links, clock: Clock,
                 lifetimes: TokenLifetimes, sender_domain: str = "localhost") -> None:
        self._tokens = tokens
        self._sender_domain = sender_domain  # a Message-ID names a domain its sender answers for
        self._lifetimes = lifetimes
        self._renderer = renderer
        self._links = links
        self._clock = clock

    def verification(self, user: User) -> OutboxMessage:
        token = self._tokens.issue(TokenPurpose.VERIFY_EMAIL, {"sub": str(user.id), "email": str(user.email)})
        return self._message(user, "verify_email", self._lifetimes.verification,
                             link=self._links.verification(token))

    def password_reset(self, user: User) -> OutboxMessage:
        return self._message(user, "reset_password", self._lifetimes.reset, link=self._reset_link(user))

    def existing_account(self, user: User) -> OutboxMessage:
        """For a sign-up with an address that has an account already: a note to its owner instead."""
        return self._message(user, "existing_account", self._lifetimes.reset, link=self._reset_link(user))

    def email_change(self, user: User, new_email: Email) -> OutboxMessage:
        token = self._tokens.issue(TokenPurpose.CHANGE_EMAIL, {"sub": str(user.id), "new": str(new_email),
                                                               "fp": credentials_fingerprint(user)})
        # The new address is not proven yet: its reader is greeted by no name the account chose.
        return self.custom(str(new_email), "confirm_new_email", self._lifetimes.verification, name="",
                           link=self._links.email_change(token))

    def email_change_notice(self, user: User, new_email: Email) -> OutboxMessage:
        return self.custom(str(user.email), "email_change_notice", name=_name(user), new_email=str(new_email))

    def _reset_link(self, user: User) -> str:
        token = self._tokens.issue(TokenPurpose.RESET_PASSWORD, {"sub": str(user.id), "fp": reset_fingerprint(user)})
        return self._links.reset(token)

    def custom(self, recipient: str, template: str, link_lifetime: timedelta | None = None,
               **values: Any) -> OutboxMessage:
        if link_lifetime is not None:
            values = {"valid_for": link_lifetime, **values}  # the email says how long its link lasts
        content = self._renderer.render(template, values)
        now = self._clock.now()
        return OutboxMessage(recipient=recipient, content=content, created_at=now,
                             message_id=f"<{uuid.uuid4().hex}@{self._sender_domain}>",
                             expires_at=now + link_lifetime if link_lifetime else None)

    def _message(self, user: User, template: str, link_lifetime: timedelta, **values: Any) -> OutboxMessage:
        return self.custom(str(user.email), template, link_lifetime, name=_name(user), **values)


def _name(user: User) -> str:
    # Whoever signs up chooses the name and the address: until the address is proven, a name in the
    # email would be the requester's words sent to a stranger under our sender ("URGENT: log in at ...").
    if not user.is_verified:
        return ""
    return user.first_name or user.username or ""
