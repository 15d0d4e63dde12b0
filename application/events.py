"""What happens to accounts, told to other services: each event is written in the transaction of the change
that caused it, and delivered later to every webhook subscribed to its type."""

from __future__ import annotations

import enum
import json
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from application.security_events import SecurityEvent, SecurityEventType, SessionOrigin
from application.views import UserView

if TYPE_CHECKING:
    from application.ports import UnitOfWork
    from domain.user import User


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
        """{"type", "timestamp", "data": {"user"}}: the user view, which holds no password, hash, token or code."""
        kind = type.value if isinstance(type, EventType) else type
        body = {"type": kind, "timestamp": now.isoformat(), "data": {"user": _json_ready(asdict(user))}}
        return cls(type=kind, occurred_at=now, body=json.dumps(body, separators=(",", ":")))


def _json_ready(values: dict[str, Any]) -> dict[str, Any]:
    return {name: value.isoformat() if isinstance(value, datetime) else
            str(value) if isinstance(value, uuid.UUID) else value for name, value in values.items()}


class EventOutbox(Protocol):
    """Events waiting to be handed to their subscriptions."""

    async def add(self, event: AccountEvent) -> None: ...
    async def claim(self, limit: int) -> Sequence[AccountEvent]:
        """The oldest events no other worker holds (locked until the commit)."""
        ...
    async def remove(self, event_ids: Sequence[uuid.UUID]) -> None:
        """Handed on: each delivery holds its own copy of the body."""
        ...


# What the account's own audit trail says of each event other services are told of.
_IN_THE_TRAIL = {EventType.USER_CREATED: SecurityEventType.SIGNED_UP,
                 EventType.USER_VERIFIED: SecurityEventType.VERIFIED,
                 EventType.USER_EMAIL_CHANGED: SecurityEventType.EMAIL_CHANGED,
                 EventType.USER_PASSWORD_CHANGED: SecurityEventType.PASSWORD_CHANGED,
                 EventType.USER_SESSIONS_REVOKED: SecurityEventType.SESSIONS_REVOKED,
                 EventType.USER_DISABLED: SecurityEventType.ACCOUNT_DISABLED,
                 EventType.USER_DELETED: SecurityEventType.ACCOUNT_DELETED}


async def record_event(uow: UnitOfWork, type: EventType, user: User, now: datetime, *,
                       actor_id: uuid.UUID | None = None, origin: SessionOrigin = SessionOrigin()) -> None:
    """In `uow`, with the change that caused it: the event for other services, and the entry of the
    account's audit trail it makes; the caller commits."""
    await uow.events.add(AccountEvent.about(type, UserView.of(user), now))
    if type in _IN_THE_TRAIL:
        await uow.security_events.add(SecurityEvent.at(origin, _IN_THE_TRAIL[type], user.id, now,
                                                         actor_id=actor_id))
