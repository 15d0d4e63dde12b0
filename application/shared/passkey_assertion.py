"""The one check of a passkey assertion, for every use: passwordless sign-in, the second factor after a
password, and reauthentication, each with a challenge from POST /passkeys/authentication/options."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from application.ports.clock import Clock
from application.ports.passkeys import PasskeyCeremony
from application.ports.unit_of_work import (
    HasPasskeys,
    HasSecurityEvents,
    HasWebauthnChallenges,
    Transaction,
)
from domain.errors import InvalidPasskey
from domain.passkeys import ChallengePurpose
from domain.trail import SecurityEvent, SecurityEventType, SessionOrigin


class _Work(Transaction, HasPasskeys, HasWebauthnChallenges, HasSecurityEvents, Protocol): ...


@dataclass(frozen=True, slots=True)
class VerifiedPasskey:
    user_id: uuid.UUID
    passkey_id: uuid.UUID
    user_verified: bool  # the authenticator verified its user (a PIN, a fingerprint): two factors in one


class PasskeyAssertion:
    """Verifies an AuthenticationResponseJSON: its challenge (taken once, within its minutes, whatever the
    outcome), its credential, signature, origin and RP id, its user handle, and the signature counter. Every
    failure is the same InvalidPasskey, so nothing tells an unknown credential from a bad signature; a
    counter that did not move is also recorded in the account's trail, committed though the use is refused.
    With `expected_user`, the passkey must be that account's (a second factor, a reauthentication)."""

    def __init__(self, *, uow: _Work, ceremony: PasskeyCeremony, clock: Clock) -> None:
        self._uow = uow
        self._ceremony = ceremony
        self._clock = clock

    async def verify(
        self,
        credential: Mapping[str, Any],
        *,
        origin: SessionOrigin = SessionOrigin(),
        expected_user: uuid.UUID | None = None,
    ) -> VerifiedPasskey:
        claims = self._ceremony.claims(credential)
        async with self._uow as uow:
            challenge = await uow.webauthn_challenges.take(claims.challenge)
            passkey = await uow.passkeys.by_credential_id(claims.credential_id)
            await uow.commit()  # spent, whatever follows: an answer is never tried twice
        if (
            challenge is None
            or not challenge.serves(ChallengePurpose.AUTHENTICATION, self._clock.now())
            or passkey is None
            or expected_user not in (None, passkey.user_id)
            # A discoverable credential names its account: it must be the passkey's. Without an account
            # named beforehand (passwordless sign-in) the handle is required.
            or (claims.user_handle is None and expected_user is None)
            or (claims.user_handle is not None and claims.user_handle != passkey.user_id.bytes)
        ):
            raise InvalidPasskey()
        verified = self._ceremony.verify_assertion(
            credential, challenge=challenge.challenge, public_key=passkey.public_key
        )
        now = self._clock.now()
        async with self._uow as uow:
            if not passkey.accepts_counter(verified.sign_count):
                await uow.security_events.add(
                    SecurityEvent.at(origin, SecurityEventType.PASSKEY_CLONE_DETECTED, passkey.user_id, now)
                )
                await uow.commit()
                raise InvalidPasskey()
            if not await uow.passkeys.record_use(
                passkey.id,
                seen_count=passkey.sign_count,
                sign_count=verified.sign_count,
                backed_up=verified.backed_up,
                when=now,
            ):
                raise InvalidPasskey()  # removed meanwhile, or another use of the same count won
            await uow.security_events.add(
                SecurityEvent.at(origin, SecurityEventType.PASSKEY_USED, passkey.user_id, now)
            )
            await uow.commit()
        return VerifiedPasskey(passkey.user_id, passkey.id, verified.user_verified)
