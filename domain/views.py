"""What the use cases hand back: plain data built from the records, never a password hash."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import datetime

from domain.user import User


@dataclass(frozen=True, slots=True)
class UserView:
    id: uuid.UUID
    email: str
    username: str | None
    first_name: str | None
    last_name: str | None
    role: str
    is_verified: bool
    created_at: datetime
    locale: str | None
    disabled: bool

    @classmethod
    def of(cls, user: User) -> UserView:
        # Field by field, by name: a plain new field of the account needs only its line above.
        values = {f.name: getattr(user, f.name) for f in fields(cls)}
        return cls(**{**values, "email": str(user.email), "role": user.role.value})


@dataclass(frozen=True, slots=True)
class SessionTokens:
    access_token: str
    refresh_token: str
    user: UserView
    token_type: str = "bearer"


@dataclass(frozen=True, slots=True)
class SessionView:
    """A session as its owner sees it; `current` is the one the caller's access token belongs to."""

    id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    ip: str
    device: str
    current: bool


@dataclass(frozen=True, slots=True)
class UserPage:
    items: list[UserView]
    total: int
    offset: int
    limit: int
    next_cursor: str | None = None
