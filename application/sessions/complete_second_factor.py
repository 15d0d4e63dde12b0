from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from application.ports.clock import Clock
from application.ports.unit_of_work import (
    HasCodes,
    HasFactors,
    HasOutbox,
    HasPendingSignIns,
    HasRefreshTokens,
    HasSecurityEvents,
    HasThrottle,
    HasUsers,
    Transaction,
)
from application.shared.account_emails import AccountEmails
from application.shared.passkey_assertion import PasskeyAssertion
from application.shared.recovery_codes import recovery_digest
from application.shared.session_issuer import SessionIssuer, hash_token
from application.shared.totp_check import TotpCheck
from domain.errors import InvalidPasskey, MethodNotAvailable, SecondFactorSignInEnded, WrongSecondFactor
from domain.factors import MAX_SECOND_FACTOR_FAILURES, Amr, Method
from domain.limits import Rule
from domain.trail import SecurityEvent, SecurityEventType, SessionOrigin
from domain.views import SessionTokens


class _Work(
    Transaction,
    HasUsers,
    HasRefreshTokens,
    HasThrottle,
    HasFactors,
    HasPendingSignIns,
    HasOutbox,
    HasCodes,
    HasSecurityEvents,
    Protocol,
): ...


@dataclass(frozen=True, slots=True)
class SecondFactorAnswer:
    """The mfa_token of a sign-in that proved its first factor, and exactly one second factor."""

    mfa_token: str
    totp_code: str | None = None
    recovery_code: str | None = None
    passkey: Mapping[str, Any] | None = None  # an AuthenticationResponseJSON
    client: str = ""
    origin: SessionOrigin = SessionOrigin()


class CompleteSecondFactor:
    """Completes a pending sign-in with an authenticator-app code, a passkey or a recovery code, each
    accepted once, and only among the methods the sign-in still needs.
    A wrong answer counts in the account's failure limit, as a wrong password does; the fifth ends the
    mfa_token."""

    def __init__(
        self,
        *,
        uow: _Work,
        sessions: SessionIssuer,
        check: TotpCheck,
        assertion: PasskeyAssertion,
        emails: AccountEmails,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._sessions = sessions
        self._check = check
        self._assertion = assertion
        self._emails = emails
        self._clock = clock

    async def execute(self, answer: SecondFactorAnswer) -> SessionTokens:
        token_hash = hash_token(answer.mfa_token)
        async with self._uow as uow:
            pending = await uow.pending_sign_ins.hold(token_hash, self._clock.now())
            user = await uow.users.get(pending.user_id) if pending is not None else None
            needed = (
                (await uow.factors.summary(user.id)).still_needed(pending.proof) if pending and user else []
            )
        if user is None:
            raise SecondFactorSignInEnded()
        method = _method_of(answer)
        if method not in needed:
            # Not a factor of the account, or the one the first step used (a passkey twice is one); refused
            # before a passkey's answer is checked, so no challenge is spent and no use is in the trail.
            raise MethodNotAvailable()
        # A passkey's assertion is checked (its challenge spent) in its own transactions, as the account's.
        passkey_proved = answer.passkey is not None and await self._passkey_is_right(answer, user.id)
        async with self._uow as uow:
            # Counted as a password guess is, before any row is held (as Login takes counters first).
            guess = await uow.throttle.spend(Rule.PASSWORD_GUESSES, str(user.email), answer.client)
            pending = await uow.pending_sign_ins.hold(token_hash, self._clock.now())
            if pending is None:
                raise SecondFactorSignInEnded()  # completed, or ended, by another request meanwhile
            user = await uow.users.get(pending.user_id) or user
            if user.issued_before_password_change(pending.proof.auth_time):
                # What the first step proved is no longer the account's password: a reset or change
                # since ends the sign-ins that still wait for their second factor.
                await uow.pending_sign_ins.remove(token_hash)
                await uow.commit()
                raise SecondFactorSignInEnded()
            user.require_enabled()
            now = self._clock.now()
            # A factor removed since the check above fails its own check below: its rows are gone with it.
            if answer.passkey is not None:
                amr, right = Amr.HARDWARE_KEY, passkey_proved
            elif answer.totp_code is not None:
                amr, right = Amr.OTP, await self._check.verify(uow, user.id, answer.totp_code)
            else:
                digest = recovery_digest(user.id, answer.recovery_code or "")
                amr, right = Amr.RECOVERY, await uow.factors.use_recovery_code(user.id, digest, now)
            if not right:
                if await uow.pending_sign_ins.record_failure(token_hash) >= MAX_SECOND_FACTOR_FAILURES:
                    await uow.pending_sign_ins.remove(token_hash)
                await uow.security_events.add(
                    SecurityEvent.at(
                        answer.origin,
                        SecurityEventType.SECOND_FACTOR_FAILED,
                        user.id,
                        now,
                        detail=method.value,
                    )
                )
                await uow.commit()
                raise InvalidPasskey() if method is Method.PASSKEY else WrongSecondFactor()
            await uow.pending_sign_ins.remove(token_hash)
            await uow.throttle.refund(guess)
            if amr is Amr.RECOVERY:
                await uow.security_events.add(
                    SecurityEvent.at(answer.origin, SecurityEventType.RECOVERY_CODE_USED, user.id, now)
                )
                await self._emails.send_factor_notice(uow, user, "recovery_code_used", now)
            await uow.security_events.add(
                SecurityEvent.at(
                    answer.origin, SecurityEventType.LOGIN_SUCCEEDED, user.id, now, detail="second_factor"
                )
            )
            session = await self._sessions.open(uow, user, pending.proof.with_second(amr, now), answer.origin)
            await uow.commit()
        return await self._sessions.hand_out_session(session)  # its proof has mfa: never gated

    async def _passkey_is_right(self, answer: SecondFactorAnswer, user_id: uuid.UUID) -> bool:
        try:
            await self._assertion.verify(answer.passkey or {}, origin=answer.origin, expected_user=user_id)
        except InvalidPasskey:
            return False
        return True


def _method_of(answer: SecondFactorAnswer) -> Method:
    if answer.passkey is not None:
        return Method.PASSKEY
    return Method.TOTP if answer.totp_code is not None else Method.RECOVERY_CODE
