"""Erasing an account (GDPR Art. 17), by its owner or an administrator: one story for both."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from application.ports.unit_of_work import HasEvents, HasOutbox, HasSecurityEvents, HasUsers
from application.shared.account_emails import AccountEmails
from application.shared.record_event import record_event
from domain.events import EventType
from domain.trail import SessionOrigin
from domain.user import User


class _Work(HasUsers, HasOutbox, HasEvents, HasSecurityEvents, Protocol): ...


async def erase_account(
    uow: _Work,
    emails: AccountEmails,
    user: User,
    now: datetime,
    *,
    actor_id: uuid.UUID | None = None,
    origin: SessionOrigin = SessionOrigin(),
) -> None:
    """In `uow`, with `user` held for change: the emails still waiting for the address are cancelled and
    their bodies cleared, a last email says the account is gone, other services are told, and the account
    goes with its sessions and codes. The address is free to sign up again."""
    await uow.outbox.cancel_to(str(user.email), now)
    await emails.send_account_deleted(uow, user)
    await record_event(uow, EventType.USER_DELETED, user, now, actor_id=actor_id, origin=origin)
    await uow.users.delete(user)
    await uow.security_events.scrub(user.id)  # the trail keeps the account's id, what happened and when
