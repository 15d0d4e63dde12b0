"""The emails about an account: each link signed for its own purpose, each with a code beside it, each
written in the account's language, and queued in the caller's unit of work."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any, Protocol

from application.ports.clock import Clock
from application.ports.crypto import TokenService
from application.ports.mail import EmailRenderer
from application.ports.unit_of_work import HasCodes, HasOutbox
from application.shared.code_book import CodeBook
from application.shared.config import Links, TokenLifetimes
from domain.codes import TokenPurpose
from domain.email import Email
from domain.mail import OutboxMessage
from domain.user import User


class _Work(HasOutbox, HasCodes, Protocol):
    """Where an email is queued, and where the code it carries is stored: the caller's transaction."""


def reset_fingerprint(user: User) -> str:
    """A reset link carries this, so it dies when the password, the address or the latest request changes."""
    return _digest(user.password_hash, user.email.value, user.reset_nonce or "")


def credentials_fingerprint(user: User) -> str:
    """An email-change link carries this, so a password change or reset retires a pending change."""
    return _digest(user.password_hash, user.email.value)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


class AccountEmails:
    def __init__(
        self,
        *,
        tokens: TokenService,
        renderer: EmailRenderer,
        links: Links,
        clock: Clock,
        lifetimes: TokenLifetimes,
        codes: CodeBook,
        sender_domain: str = "localhost",
    ) -> None:
        self._tokens = tokens
        self._renderer = renderer
        self._links = links
        self._clock = clock
        self._lifetimes = lifetimes
        self._codes = codes
        self._sender_domain = sender_domain  # a Message-ID names a domain its sender answers for

    async def send_verification(self, uow: _Work, user: User) -> None:
        lifetime = self._lifetimes.verification
        issued = await self._codes.issue(uow, user, TokenPurpose.VERIFY_EMAIL, user.email, lifetime)
        token = self._tokens.issue(TokenPurpose.VERIFY_EMAIL, {"sub": str(user.id), "email": str(user.email)})
        await uow.outbox.add(
            self._to_account(
                user, "verify_email", lifetime, link=self._links.verification(token), code=issued.code
            )
        )

    async def send_password_reset(self, uow: _Work, user: User) -> None:
        await uow.outbox.add(await self._reset(uow, user, "reset_password"))

    async def send_existing_account(self, uow: _Work, user: User) -> None:
        """For a sign-up with an address that has an account already: a note to its owner instead."""
        await uow.outbox.add(await self._reset(uow, user, "existing_account"))

    async def send_email_change(self, uow: _Work, user: User, new_email: Email) -> None:
        """A link and a code to the new address; a notice, with no live token, to the current one."""
        lifetime = self._lifetimes.verification
        issued = await self._codes.issue(uow, user, TokenPurpose.CHANGE_EMAIL, new_email, lifetime)
        token = self._tokens.issue(
            TokenPurpose.CHANGE_EMAIL,
            {"sub": str(user.id), "new": str(new_email), "fp": credentials_fingerprint(user)},
        )
        # The new address is not proven yet: its reader is greeted by no name the account chose.
        await uow.outbox.add(
            self.custom(
                str(new_email),
                "confirm_new_email",
                user.locale,
                lifetime,
                name="",
                link=self._links.email_change(token),
                code=issued.code,
            )
        )
        await uow.outbox.add(
            self._to_account(
                user,
                "email_change_notice",
                new_email=str(new_email),
                forgot_password=self._links.forgot_password,
            )
        )

    async def send_login_code(self, uow: _Work, user: User) -> None:
        lifetime = self._lifetimes.login_code
        issued = await self._codes.issue(uow, user, TokenPurpose.LOGIN, user.email, lifetime)
        # The link signs in once: it names its code, and using either uses both.
        token = self._tokens.issue(TokenPurpose.LOGIN, {"sub": str(user.id), "code": str(issued.id)})
        await uow.outbox.add(
            self._to_account(user, "login_code", lifetime, code=issued.code, link=self._links.sign_in(token))
        )

    async def send_password_changed(self, uow: HasOutbox, user: User, when: datetime) -> None:
        await uow.outbox.add(
            self._to_account(
                user, "password_changed", changed_at=when, forgot_password=self._links.forgot_password
            )
        )

    async def send_factor_notice(self, uow: HasOutbox, user: User, template: str, when: datetime) -> None:
        """A second factor turned on or off, or recovery codes issued or used: told to the owner, with what to
        do if it was not them, and no live token."""
        await uow.outbox.add(
            self._to_account(user, template, changed_at=when, forgot_password=self._links.forgot_password)
        )

    async def send_account_deleted(self, uow: HasOutbox, user: User) -> None:
        await uow.outbox.add(self.custom(str(user.email), "account_deleted", user.locale))

    def custom(
        self,
        recipient: str,
        template: str,
        locale: str | None = None,
        link_lifetime: timedelta | None = None,
        **values: Any,
    ) -> OutboxMessage:
        if link_lifetime is not None:
            values = {"valid_for": link_lifetime, **values}  # the email says how long its link lasts
        content = self._renderer.render(template, values, locale)
        now = self._clock.now()
        return OutboxMessage(
            recipient=recipient,
            content=content,
            created_at=now,
            message_id=f"<{uuid.uuid4().hex}@{self._sender_domain}>",
            expires_at=now + link_lifetime if link_lifetime else None,
        )

    async def _reset(self, uow: _Work, user: User, template: str) -> OutboxMessage:
        lifetime = self._lifetimes.reset
        issued = await self._codes.issue(uow, user, TokenPurpose.RESET_PASSWORD, user.email, lifetime)
        token = self._tokens.issue(
            TokenPurpose.RESET_PASSWORD, {"sub": str(user.id), "fp": reset_fingerprint(user)}
        )
        return self._to_account(user, template, lifetime, link=self._links.reset(token), code=issued.code)

    def _to_account(
        self, user: User, template: str, link_lifetime: timedelta | None = None, **values: Any
    ) -> OutboxMessage:
        return self.custom(str(user.email), template, user.locale, link_lifetime, name=_name(user), **values)


def _name(user: User) -> str:
    # Whoever signs up chooses the name and the address: until the address is proven, a name in the
    # email would be the requester's words sent to a stranger under our sender ("URGENT: log in at ...").
    if not user.is_verified:
        return ""
    return user.first_name or user.username or ""
