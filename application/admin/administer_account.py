from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from application.ports.clock import Clock
from application.ports.unit_of_work import (
    HasEvents,
    HasRefreshTokens,
    HasSecurityEvents,
    HasUsers,
    Transaction,
)
from application.shared.record_event import record_event
from domain.errors import LastAdmin, NotFound
from domain.events import EventType
from domain.trail import SecurityEvent, SecurityEventType, SessionOrigin
from domain.user import Role
from domain.views import UserView


class _Work(Transaction, HasUsers, HasRefreshTokens, HasEvents, HasSecurityEvents, Protocol): ...


def no_such_account() -> NotFound:
    return NotFound("No account has this id.", "Check the id; GET /api/v1/users finds accounts.")


@dataclass(frozen=True, slots=True)
class AccountChange:
    """What an administrator sets; None leaves it as it is."""

    user_id: uuid.UUID
    role: Role | None = None
    disabled: bool | None = None
    is_verified: bool | None = None
    actor_id: uuid.UUID | None = None  # the administrator, for the account's trail
    origin: SessionOrigin = SessionOrigin()  # the administrator's


class AdministerAccount:
    """An administrator promotes, demotes, disables, enables or marks an account verified. Disabling ends
    every session at once; the last verified administrator cannot be demoted or disabled."""

    def __init__(self, *, uow: _Work, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, change: AccountChange) -> UserView:
        now = self._clock.now()
        async with self._uow as uow:
            admins = await uow.users.lock_active_admins()
            user = await uow.users.get_for_change(change.user_id)
            if user is None:
                raise no_such_account()
            was_admin, role = user.is_active_admin, user.role
            changed = user.administer(role=change.role, is_verified=change.is_verified)
            disabled = change.disabled is True and user.disable(now)
            enabled = change.disabled is False and user.enable()
            if was_admin and not user.is_active_admin and len(admins) <= 1:
                raise LastAdmin()
            await uow.users.save(user)
            if disabled:
                await uow.refresh_tokens.revoke_all_for_user(user.id, now)
                await record_event(
                    uow, EventType.USER_DISABLED, user, now, actor_id=change.actor_id, origin=change.origin
                )
            elif changed or enabled:
                await record_event(uow, EventType.USER_UPDATED, user, now)
            for happened, type, detail in (
                (enabled, SecurityEventType.ACCOUNT_ENABLED, ""),
                (user.role is not role, SecurityEventType.ROLE_CHANGED, user.role.value),
            ):
                if happened:
                    await uow.security_events.add(
                        SecurityEvent.at(
                            change.origin, type, user.id, now, actor_id=change.actor_id, detail=detail
                        )
                    )
            await uow.commit()
        return UserView.of(user)
