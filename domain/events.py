"""What happens to accounts, told to other services."""

from __future__ import annotations

import enum
import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from domain.views import UserView


class EventType(str, enum.Enum):
    USER_CREATED = "user.created"
    USER_VERIFIED = "user.verified"
    USER_EMAIL_CHANGED = "user.email_changed"
    USER_PASSWORD_CHANGED = "user.password_changed"
    # Every session of the account ended at once: a reset, a password change, a proof of the address.
    USER_SESSIONS_REVOKED = "user.sessions_revoked"
    USER_UPDATED = "user.updated"
    USER_DISABLED = "user.disabled"
    USER_DELETED = "user.deleted"
    USER_MFA_ENABLED = "user.mfa_enabled"  # the account now has a second factor
    USER_MFA_DISABLED = "user.mfa_disabled"  # the account has no second factor any more


TEST_EVENT = "webhook.test"  # sent to one subscription on demand, never subscribed to


@dataclass(frozen=True, slots=True)
class AccountEvent:
    type: str
    occurred_at: datetime
    body: str  # the JSON every receiver gets, fixed when the event happened
    # The W3C traceparent of the request that queued it: its delivery joins that trace (empty: none).
    trace_context: str = ""
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    @classmethod
    def about(cls, type: EventType | str, user: UserView, now: datetime) -> AccountEvent:
        """{"type", "timestamp", "data": {"user"}}: the user view, which holds no password, hash, token or
        code."""
        kind = type.value if isinstance(type, EventType) else type
        body = {"type": kind, "timestamp": now.isoformat(), "data": {"user": _json_ready(asdict(user))}}
        return cls(type=kind, occurred_at=now, body=json.dumps(body, separators=(",", ":")))


def _json_ready(values: dict[str, Any]) -> dict[str, Any]:
    return {
        name: value.isoformat()
        if isinstance(value, datetime)
        else str(value)
        if isinstance(value, uuid.UUID)
        else value
        for name, value in values.items()
    }
