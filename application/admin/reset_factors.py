from __future__ import annotations

import uuid
from typing import Protocol

from application.admin.administer_account import no_such_account
from application.ports.clock import Clock
from application.ports.unit_of_work import (
    HasCodes,
    HasEvents,
    HasFactors,
    HasOutbox,
    HasSecurityEvents,
    HasUsers,
    Transaction,
)
from application.shared.account_emails import AccountEmails
from domain.events import AccountEvent, EventType
from domain.trail import SecurityEvent, SecurityEventType, SessionOrigin
from domain.views import UserView


class _Work(
    Transaction, HasUsers, HasFactors, HasOutbox, HasCodes, HasEvents, HasSecurityEvents, Protocol
): ...


class ResetFactors:
    """An administrator removes every second factor of an account (a lost phone): its authenticator app,
    recovery codes and passkeys; recorded with the administrator, and the owner is told."""

    def __init__(self, *, uow: _Work, emails: AccountEmails, clock: Clock) -> None:
        self._uow = uow
        self._emails = emails
        self._clock = clock

    async def execute(
        self, user_id: uuid.UUID, actor_id: uuid.UUID | None = None, origin: SessionOrigin = SessionOrigin()
    ) -> None:
        async with self._uow as uow:
            user = await uow.users.get_for_change(user_id)
            if user is None:
                raise no_such_account()
            had = (await uow.factors.summary(user_id)).enabled
            await uow.factors.remove_all(user_id)
            now = self._clock.now()
            await uow.security_events.add(
                SecurityEvent.at(origin, SecurityEventType.MFA_RESET, user_id, now, actor_id=actor_id)
            )
            await self._emails.send_factor_notice(uow, user, "mfa_reset", now)
            if had:
                await uow.events.add(AccountEvent.about(EventType.USER_MFA_DISABLED, UserView.of(user), now))
            await uow.commit()
