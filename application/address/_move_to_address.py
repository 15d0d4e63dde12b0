"""What taking a new address does, by link or by code: the account moves, and what was sent to the old
address stops working."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from application.ports.unit_of_work import HasCodes, HasEvents, HasSecurityEvents, HasUsers
from application.shared.record_event import record_event
from domain.email import Email
from domain.errors import UserAlreadyExists
from domain.events import EventType
from domain.trail import SessionOrigin
from domain.user import User


class _Work(HasUsers, HasCodes, HasEvents, HasSecurityEvents, Protocol): ...


async def move_to_address(
    uow: _Work, user: User, new_email: Email, now: datetime, origin: SessionOrigin = SessionOrigin()
) -> None:
    """In `uow`, on an account held for change; the caller commits."""
    user.change_email(new_email)
    try:
        await uow.users.save(user)
    except UserAlreadyExists:
        raise UserAlreadyExists(
            "Another account has taken this address since the link was sent.",
            "Ask for the change again with another address.",
        ) from None
    await uow.codes.retire(user.id, now)  # codes sent to the old address, and this change's own, die now
    await record_event(uow, EventType.USER_EMAIL_CHANGED, user, now, origin=origin)
