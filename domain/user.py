"""The user account and the rules of its life cycle."""

from __future__ import annotations

import enum
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from domain.email import Email
from domain.errors import AccountDisabled, AccountNotVerified, InsufficientPermissions


class Role(str, enum.Enum):
    USER = "user"
    ADMIN = "admin"


PROFILE_FIELDS = frozenset({"username", "first_name", "last_name", "locale"})


@dataclass(eq=False, slots=True)
class User:
    email: Email
    password_hash: str
    created_at: datetime
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    role: Role = Role.USER
    is_verified: bool = False
    locale: str | None = None  # BCP 47, the language the account's emails are written in
    password_changed_at: datetime | None = None
    # Changed by every reset request: a reset link carries it, so a newer request retires older links.
    reset_nonce: str | None = None
    disabled_at: datetime | None = None  # by an administrator: no sign-in, no session, no token works
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def verify_email(self, address: Email) -> bool:
        """Mark the address verified if it is still the account's; False when nothing changed."""
        if self.is_verified or address != self.email:
            return False
        self.is_verified = True
        return True

    def prove_address_by_sign_in(self, unguessable_hash: str, now: datetime) -> bool:
        """Signed in by an emailed code before the address was ever proven: the password and the sessions
        may be someone else's, who signed up with this address first to wait for its owner. They end (the
        owner sets a password by reset), and the address counts as verified. False when it already was."""
        if not self.verify_email(self.email):
            return False
        self.change_password(unguessable_hash, now)
        return True

    def change_password(self, new_hash: str, now: datetime) -> None:
        # Sessions and links issued before this moment stop working (see sessions_valid_since).
        self.password_hash = new_hash
        self.password_changed_at = now

    def start_password_reset(self) -> None:
        self.reset_nonce = secrets.token_hex(16)

    def change_email(self, new_email: Email) -> None:
        """The new address was proven by a link sent to it, so it counts as verified."""
        self.email = new_email
        self.is_verified = True

    def update_profile(self, **values: str | None) -> None:
        """What the owner may change directly: names and the language; never the address, password or role."""
        unknown = set(values) - PROFILE_FIELDS
        if unknown:
            raise ValueError(f"not a profile field: {', '.join(sorted(unknown))}")
        for name, value in values.items():
            setattr(self, name, value)

    def rehash_password(self, new_hash: str) -> None:
        """Same password, stronger hash: no session is revoked."""
        self.password_hash = new_hash

    def administer(self, *, role: Role | None = None, is_verified: bool | None = None) -> bool:
        """What an administrator sets directly; False when nothing changed."""
        changed = False
        if role is not None and role is not self.role:
            self.role, changed = role, True
        if is_verified is not None and is_verified != self.is_verified:
            self.is_verified, changed = is_verified, True
        return changed

    def disable(self, now: datetime) -> bool:
        """False when it already was."""
        if self.disabled_at is not None:
            return False
        self.disabled_at = now
        return True

    def enable(self) -> bool:
        """False when it already was."""
        if self.disabled_at is None:
            return False
        self.disabled_at = None
        return True

    def require_enabled(self) -> None:
        if self.disabled_at is not None:
            raise AccountDisabled()

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None

    @property
    def is_active_admin(self) -> bool:
        """An administrator who can administer: verified and not disabled."""
        return self.role is Role.ADMIN and self.is_verified and self.disabled_at is None

    def issued_before_password_change(self, issued_at: datetime) -> bool:
        return self.password_changed_at is not None and issued_at < self.password_changed_at

    def require_role(self, allowed: frozenset[Role]) -> None:
        """An unverified account is refused before its role is looked at."""
        if not self.is_verified:
            raise AccountNotVerified()
        if self.role not in allowed:
            raise InsufficientPermissions()


@dataclass(frozen=True, slots=True)
class UserFilter:
    """What an administrator looks for; None matches anything."""

    prefix: str | None = None  # of the address, the username, or the first or last name
    role: Role | None = None
    verified: bool | None = None
    disabled: bool | None = None


@dataclass(frozen=True, slots=True)
class UserPosition:
    """Where a page of accounts ends, in their order (by creation, then id)."""

    created_at: datetime
    id: uuid.UUID


@dataclass(frozen=True, slots=True)
class BearerAccount:
    """An access token's account as it stands now, with what a bearer's request needs, read at once."""

    user: User
    session_live: bool  # the token's session (its refresh-token family) has not ended
    suppressed: bool = False  # its address is on the suppression list (read only when asked for)
