"""One-time codes and the purposes of codes and links."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from domain.email import Email


@dataclass(frozen=True, slots=True)
class OneTimeCode:
    """A code sent in an email beside its link, stored as a keyed digest only."""

    user_id: uuid.UUID
    purpose: TokenPurpose
    email: Email  # where it was sent
    digest: str
    created_at: datetime
    expires_at: datetime
    attempts: int = 0  # wrong tries at it
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    # Used (or retired), it is kept until a newer one replaces it, so a late right use is told from a wrong
    # one.
    used_at: datetime | None = None


class TokenPurpose(str, enum.Enum):
    VERIFY_EMAIL = "verify-email"
    RESET_PASSWORD = "reset-password"
    CHANGE_EMAIL = "change-email"
    LOGIN = "login"
