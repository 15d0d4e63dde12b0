"""Requests for an email about an address, answered later whether or not it has an account."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from domain.email import Email
from domain.trail import SessionOrigin


class EmailRequestKind(str, enum.Enum):
    RESET_PASSWORD = "reset-password"
    VERIFY_EMAIL = "verify-email"
    EXISTING_ACCOUNT = "existing-account"  # written before 0010; a sign-up is recorded as SIGN_UP now
    LOGIN_CODE = "login-code"
    SIGN_UP = "sign-up"  # user_id: the account the sign-up made, if the address was free
    CHANGE_EMAIL = "change-email"  # user_id: the account asking to move to the address


@dataclass(frozen=True, slots=True)
class EmailRequest:
    kind: EmailRequestKind
    email: Email
    created_at: datetime
    user_id: uuid.UUID | None = None
    origin: SessionOrigin = SessionOrigin()  # for the account's trail; gone when the request is pruned
    # The W3C traceparent of the request that queued it: its delivery joins that trace (empty: none).
    trace_context: str = ""
    id: uuid.UUID = field(default_factory=uuid.uuid4)
