"""What every change of a password does, whichever way it came: the new hash in place, every session and
every emailed code of the account ended, and its owner told."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from application.ports.unit_of_work import (
    HasCodes,
    HasEvents,
    HasOutbox,
    HasRefreshTokens,
    HasSecurityEvents,
    HasUsers,
)
from application.shared.account_emails import AccountEmails
from application.shared.record_event import record_event
from domain.events import EventType
from domain.trail import SessionOrigin
from domain.user import User


class _Work(HasUsers, HasRefreshTokens, HasOutbox, HasCodes, HasEvents, HasSecurityEvents, Protocol): ...


async def put_new_password(
    uow: _Work,
    emails: AccountEmails,
    user: User,
    new_hash: str,
    now: datetime,
    origin: SessionOrigin = SessionOrigin(),
) -> None:
    """In `uow`, on an account held for change; the caller commits."""
    user.change_password(new_hash, now)
    await uow.users.save(user)
    await uow.refresh_tokens.revoke_all_for_user(user.id, now)
    await uow.codes.retire(user.id, now)  # the links die with the old password, and their codes with them
    await emails.send_password_changed(uow, user, now)
    await record_event(uow, EventType.USER_PASSWORD_CHANGED, user, now, origin=origin)
    await record_event(uow, EventType.USER_SESSIONS_REVOKED, user, now, origin=origin)
