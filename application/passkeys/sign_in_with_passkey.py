from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from application.ports.clock import Clock
from application.ports.unit_of_work import (
    HasFactors,
    HasPendingSignIns,
    HasRefreshTokens,
    HasSecurityEvents,
    HasThrottle,
    HasUsers,
    Transaction,
)
from application.shared.passkey_assertion import PasskeyAssertion
from application.shared.session_issuer import SessionIssuer
from domain.errors import InvalidPasskey
from domain.factors import Amr, Proof, SecondFactorRequired
from domain.limits import Rule
from domain.trail import SecurityEvent, SecurityEventType, SessionOrigin
from domain.views import SessionTokens


class _Work(
    Transaction,
    HasUsers,
    HasRefreshTokens,
    HasFactors,
    HasPendingSignIns,
    HasThrottle,
    HasSecurityEvents,
    Protocol,
): ...


@dataclass(frozen=True, slots=True)
class PasskeySignIn:
    credential: Mapping[str, Any]  # AuthenticationResponseJSON
    client: str = ""
    origin: SessionOrigin = SessionOrigin()


class SignInWithPasskey:
    """Passwordless sign-in: a verified assertion of a discoverable passkey opens a session for its account.
    With user verification the passkey is two factors by itself (amr hwk + mfa); without it, one (hwk)."""

    def __init__(
        self, *, uow: _Work, assertion: PasskeyAssertion, sessions: SessionIssuer, clock: Clock
    ) -> None:
        self._uow = uow
        self._assertion = assertion
        self._sessions = sessions
        self._clock = clock

    async def execute(self, request: PasskeySignIn) -> SessionTokens | SecondFactorRequired:
        async with self._uow as uow:
            await uow.throttle.spend(Rule.LOGIN_PER_CLIENT, request.client)
            await uow.commit()
        verified = await self._assertion.verify(request.credential, origin=request.origin)
        now = self._clock.now()
        proof = Proof.of(now, Amr.HARDWARE_KEY, *([Amr.MFA] if verified.user_verified else []))
        async with self._uow as uow:
            # Held, as every sign-in holds it while the gate reads its factors: an app confirmed meanwhile
            # has ended the other sessions before this one is stored, or is seen by the gate.
            user = await uow.users.get_for_change(verified.user_id)
            if user is None:
                raise InvalidPasskey()  # deleted since the assertion was checked
            user.require_enabled()  # told only to whoever holds the passkey
            # Through the gate: a passkey without user verification, on an account with an authenticator
            # app, answers SecondFactorRequired.
            session = await self._sessions.open(uow, user, proof, request.origin)
            await uow.security_events.add(
                SecurityEvent.at(
                    request.origin, SecurityEventType.LOGIN_SUCCEEDED, user.id, now, detail="passkey"
                )
            )
            await uow.commit()
        return await self._sessions.hand_out(session)
