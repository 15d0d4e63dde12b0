from __future__ import annotations

import uuid
from typing import Protocol

from application.ports.clock import Clock
from application.ports.unit_of_work import (
    HasEvents,
    HasFactors,
    HasOutbox,
    HasPasskeys,
    HasSecurityEvents,
    HasUsers,
    Transaction,
)
from application.shared.account_emails import AccountEmails
from domain.errors import NotFound
from domain.events import AccountEvent, EventType
from domain.trail import SecurityEvent, SecurityEventType, SessionOrigin
from domain.views import UserView


class _Work(
    Transaction, HasUsers, HasPasskeys, HasFactors, HasSecurityEvents, HasOutbox, HasEvents, Protocol
): ...


class RemovePasskey:
    """Deletes one of the account's passkeys; its owner is told by email, and the trail records it. Another
    account's is not found, as an unknown one is. The account's last factor gone, webhooks get
    user.mfa_disabled."""

    def __init__(self, *, uow: _Work, emails: AccountEmails, clock: Clock) -> None:
        self._uow = uow
        self._emails = emails
        self._clock = clock

    async def execute(
        self, user_id: uuid.UUID, passkey_id: uuid.UUID, origin: SessionOrigin = SessionOrigin()
    ) -> None:
        async with self._uow as uow:
            user = await uow.users.get_for_change(user_id)
            removed = await uow.passkeys.remove(user_id, passkey_id) if user is not None else None
            if user is None or removed is None:
                raise NotFound("No such passkey.", "List your passkeys for their ids.")
            now = self._clock.now()
            if not (await uow.factors.summary(user_id)).enabled:
                # Its last factor: recovery codes complete a sign-in only where there is one (as DisableTotp).
                await uow.factors.replace_recovery_codes(user_id, [], now)
                await uow.events.add(AccountEvent.about(EventType.USER_MFA_DISABLED, UserView.of(user), now))
            await uow.security_events.add(
                SecurityEvent.at(origin, SecurityEventType.PASSKEY_REMOVED, user_id, now)
            )
            await self._emails.send_passkey_changed(uow, user, "passkey_removed", removed.name, now)
            await uow.commit()
