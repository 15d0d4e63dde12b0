"""What the use cases hand back: plain data, never a password hash."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
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

    @classmethod
    def of(cls, user: User) -> UserView:
        return cls(id=user.id, email=str(user.email), username=user.username,
                   first_name=user.first_name, last_name=user.last_name, role=user.role.value,
                   is_verified=user.is_verified, created_at=user.created_at)


@dataclass(frozen=True, slots=True)
class SessionTokens:
    access_token: str
    refresh_token: str
    user: UserView
    token_type: str = "bearer"


@dataclass(frozen=True, slots=True)
class UserPage:
    items: list[UserView]
    total: int
    offset: int
    limit: int
