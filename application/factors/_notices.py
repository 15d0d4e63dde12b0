"""What every change of a factor writes with it (internal to the feature): the trail entry, the owner's
email, and, when the account gains or loses its last factor, the webhook event."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from application.ports.unit_of_work import HasCodes, HasEvents, HasOutbox, HasSecurityEvents
from application.shared.account_emails import AccountEmails
from domain.events import AccountEvent, EventType
from domain.trail import SecurityEvent, SecurityEventType, SessionOrigin
from domain.user import User
from domain.views import UserView


class _Work(HasOutbox, HasCodes, HasEvents, HasSecurityEvents, Protocol): ...


async def tell(
    uow: _Work,
    emails: AccountEmails,
    user: User,
    now: datetime,
    entry: SecurityEventType,
    template: str,
    origin: SessionOrigin,
    event: EventType | None = None,
) -> None:
    await uow.security_events.add(SecurityEvent.at(origin, entry, user.id, now))
    await emails.send_factor_notice(uow, user, template, now)
    if event is not None:
        await uow.events.add(AccountEvent.about(event, UserView.of(user), now))
