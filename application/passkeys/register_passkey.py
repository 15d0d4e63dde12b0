from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from application.ports.clock import Clock
from application.ports.passkeys import PasskeyCeremony
from application.ports.unit_of_work import (
    HasEvents,
    HasFactors,
    HasOutbox,
    HasPasskeys,
    HasRefreshTokens,
    HasSecurityEvents,
    HasUsers,
    HasWebauthnChallenges,
    Transaction,
)
from application.shared.account_emails import AccountEmails
from domain.errors import AccountNotVerified, InvalidPasskey, NotAuthenticated, PasskeyAlreadyRegistered
from domain.events import AccountEvent, EventType
from domain.factors import Passkey
from domain.passkeys import ChallengePurpose, PasskeyView, name_for
from domain.trail import SecurityEvent, SecurityEventType, SessionOrigin
from domain.views import UserView


class _Work(
    Transaction,
    HasUsers,
    HasPasskeys,
    HasWebauthnChallenges,
    HasSecurityEvents,
    HasOutbox,
    HasFactors,
    HasRefreshTokens,
    HasEvents,
    Protocol,
): ...


@dataclass(frozen=True, slots=True)
class PasskeyRegistration:
    user_id: uuid.UUID
    credential: Mapping[str, Any]  # RegistrationResponseJSON
    name: str | None = None
    origin: SessionOrigin = SessionOrigin()
    session_id: uuid.UUID | None = None  # the registering session: kept when the others end


class RegisterPasskey:
    """Verifies a registration response against the account's own registration challenge (taken once,
    whatever the outcome) and stores the passkey; its owner is told by email, and the trail records it.
    The account's first factor ends every other session of the account, as an app's confirmation does."""

    def __init__(self, *, uow: _Work, ceremony: PasskeyCeremony, emails: AccountEmails, clock: Clock) -> None:
        self._uow = uow
        self._ceremony = ceremony
        self._emails = emails
        self._clock = clock

    async def execute(self, request: PasskeyRegistration) -> PasskeyView:
        claims = self._ceremony.claims(request.credential)
        async with self._uow as uow:
            challenge = await uow.webauthn_challenges.take(claims.challenge)
            await uow.commit()
        if challenge is None or not challenge.serves(
            ChallengePurpose.REGISTRATION, self._clock.now(), request.user_id
        ):
            raise InvalidPasskey()
        new = self._ceremony.verify_registration(request.credential, challenge=challenge.challenge)
        now = self._clock.now()
        passkey = Passkey(
            user_id=request.user_id,
            credential_id=new.credential_id,
            public_key=new.public_key,
            sign_count=new.sign_count,
            name=request.name or name_for(new.aaguid),
            created_at=now,
            aaguid=new.aaguid,
            backed_up=new.backed_up,
            transports=new.transports,
        )
        async with self._uow as uow:
            # Held, as a login holds it while it reads the account's factors and stores its session: so a
            # login that saw no factor has committed its session before the others are ended, and ends too.
            user = await uow.users.get_for_change(request.user_id)
            if user is None:
                raise NotAuthenticated()
            if not user.is_verified:  # as for the options: an unproven account adds no passkey
                raise AccountNotVerified()
            first_factor = not (await uow.factors.summary(user.id)).enabled
            if not await uow.passkeys.add(passkey):
                raise PasskeyAlreadyRegistered()
            if first_factor:
                # As when an app is turned on: the sessions signed in without a factor end, so one that
                # is not the owner's does not live on, refreshing, past the factor added to shut it out.
                await uow.refresh_tokens.revoke_all_for_user(user.id, now, keep_family=request.session_id)
                await uow.security_events.add(
                    SecurityEvent.at(
                        request.origin, SecurityEventType.SESSION_ENDED, user.id, now, detail="all_others"
                    )
                )
                await uow.events.add(AccountEvent.about(EventType.USER_MFA_ENABLED, UserView.of(user), now))
            await uow.security_events.add(
                SecurityEvent.at(request.origin, SecurityEventType.PASSKEY_ADDED, user.id, now)
            )
            await self._emails.send_passkey_changed(uow, user, "passkey_added", passkey.name, now)
            await uow.commit()
        return PasskeyView.of(passkey)
