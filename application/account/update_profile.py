from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from application.ports.clock import Clock
from application.ports.unit_of_work import HasEvents, HasSecurityEvents, HasUsers, Transaction
from application.shared.record_event import record_event
from domain.errors import NotAuthenticated
from domain.events import EventType
from domain.views import UserView


class _Work(Transaction, HasUsers, HasEvents, HasSecurityEvents, Protocol): ...


@dataclass(frozen=True, slots=True)
class ProfileUpdate:
    user_id: uuid.UUID
    # Only the fields given change; None clears one.
    values: Mapping[str, str | None] = field(default_factory=dict)


class UpdateProfile:
    """The account's owner changes what the account says of them (email and password have flows of their
    own)."""

    def __init__(self, *, uow: _Work, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, update: ProfileUpdate) -> UserView:
        async with self._uow as uow:
            user = await uow.users.get_for_change(update.user_id)
            if user is None:
                raise NotAuthenticated()
            user.update_profile(**update.values)
            await uow.users.save(user)
            await record_event(uow, EventType.USER_UPDATED, user, self._clock.now())
            await uow.commit()
        return UserView.of(user)
