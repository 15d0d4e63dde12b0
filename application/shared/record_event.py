"""What happens to accounts, told to other services: each event is written in the transaction of the change
that caused it, and delivered later to every webhook subscribed to its type."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from application.ports.unit_of_work import HasEvents, HasSecurityEvents
from domain.events import AccountEvent, EventType
from domain.trail import SecurityEvent, SecurityEventType, SessionOrigin
from domain.user import User
from domain.views import UserView


class _Work(HasEvents, HasSecurityEvents, Protocol): ...


# What the account's own audit trail says of each event other services are told of.
_IN_THE_TRAIL = {
    EventType.USER_CREATED: SecurityEventType.SIGNED_UP,
    EventType.USER_VERIFIED: SecurityEventType.VERIFIED,
    EventType.USER_EMAIL_CHANGED: SecurityEventType.EMAIL_CHANGED,
    EventType.USER_PASSWORD_CHANGED: SecurityEventType.PASSWORD_CHANGED,
    EventType.USER_SESSIONS_REVOKED: SecurityEventType.SESSIONS_REVOKED,
    EventType.USER_DISABLED: SecurityEventType.ACCOUNT_DISABLED,
    EventType.USER_DELETED: SecurityEventType.ACCOUNT_DELETED,
}


async def record_event(
    uow: _Work,
    type: EventType,
    user: User,
    now: datetime,
    *,
    actor_id: uuid.UUID | None = None,
    origin: SessionOrigin = SessionOrigin(),
) -> None:
    """In `uow`, with the change that caused it: the event for other services, and the entry of the
    account's audit trail it makes; the caller commits."""
    await uow.events.add(AccountEvent.about(type, UserView.of(user), now))
    if type in _IN_THE_TRAIL:
        await uow.security_events.add(
            SecurityEvent.at(origin, _IN_THE_TRAIL[type], user.id, now, actor_id=actor_id)
        )
