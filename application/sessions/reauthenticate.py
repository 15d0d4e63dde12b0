from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from application.ports.clock import Clock
from application.ports.sessions import AccessTokenService
from application.ports.unit_of_work import (
    HasFactors,
    HasRefreshTokens,
    HasSecurityEvents,
    HasThrottle,
    HasUsers,
    Transaction,
)
from application.shared.authenticate import Caller
from application.shared.config import TokenLifetimes
from application.shared.current_password import CurrentPassword
from application.shared.passkey_assertion import PasskeyAssertion
from application.shared.totp_check import TotpCheck
from domain.errors import (
    InvalidCode,
    InvalidPasskey,
    MethodUnavailable,
    NotAuthenticated,
    WrongPassword,
    WrongSecondFactor,
)
from domain.factors import Amr, Proof
from domain.limits import Rule
from domain.trail import SecurityEvent, SecurityEventType, SessionOrigin


class _Work(
    Transaction, HasUsers, HasRefreshTokens, HasSecurityEvents, HasFactors, HasThrottle, Protocol
): ...


@dataclass(frozen=True, slots=True)
class Reauthentication:
    """The caller confirms it is them with exactly one of these."""

    caller: Caller
    password: str | None = None
    totp_code: str | None = None
    passkey: Mapping[str, Any] | None = None  # a WebAuthn AuthenticationResponseJSON
    client: str = ""
    origin: SessionOrigin = SessionOrigin()


@dataclass(frozen=True, slots=True)
class Reauthenticated:
    access_token: str
    expires_in: timedelta


@dataclass(frozen=True, slots=True)
class _Proved:
    method: Amr
    detail: str  # the trail's word for how
    user_verified: bool = False  # a passkey verified with user verification: two factors by itself


class Reauthenticate:
    """A new access token for the caller's own session, with a fresh `auth_time`, once the person has
    proved again who they are; the session keeps its refresh token, and its next refreshes carry the new
    proof. Each failure is in the account's trail."""

    def __init__(
        self,
        *,
        uow: _Work,
        current_password: CurrentPassword,
        totp: TotpCheck,
        assertion: PasskeyAssertion,
        access_tokens: AccessTokenService,
        clock: Clock,
        lifetimes: TokenLifetimes,
    ) -> None:
        self._uow = uow
        self._current_password = current_password
        self._totp = totp
        self._assertion = assertion
        self._access_tokens = access_tokens
        self._clock = clock
        self._ttl = lifetimes.access

    async def execute(self, asked: Reauthentication) -> Reauthenticated:
        caller = asked.caller
        try:
            proved = await self._proved(asked)
        except (WrongPassword, InvalidCode, InvalidPasskey) as failure:
            await self._record_failure(asked, failure)
            raise
        now = self._clock.now()
        session_proof = caller.proof or Proof(frozenset(), now)  # a session from before amr proved nothing
        proof = session_proof.renewed(proved.method, now, user_verified=proved.user_verified)
        async with self._uow as uow:
            # The account first, as a refresh holds it while it writes the session's next token: so that
            # next token is written before this update, which then finds it, or after, from the new proof.
            user = await uow.users.get_for_change(caller.user.id)
            if user is None or not await uow.refresh_tokens.renew_proof(
                user.id, caller.session_id, proof, now
            ):
                raise NotAuthenticated("The session has ended.", "Log in again.")
            await uow.security_events.add(
                SecurityEvent.at(
                    asked.origin, SecurityEventType.REAUTHENTICATED, user.id, now, detail=proved.detail
                )
            )
            await uow.commit()
        token = await self._access_tokens.issue(
            user, now, self._ttl, session_id=caller.session_id, proof=proof
        )
        return Reauthenticated(token, self._ttl)

    async def _proved(self, asked: Reauthentication) -> _Proved:
        given = [m for m in (asked.password, asked.totp_code, asked.passkey) if m is not None]
        if len(given) != 1:
            raise MethodUnavailable(
                "Confirm it is you with one of these: a password, an authenticator code or a passkey.",
                "Send exactly one of password, totp_code and passkey.",
            )
        if asked.password is not None:
            await self._current_password.confirm(asked.caller.user.id, asked.password, asked.client)
            return _Proved(Amr.PASSWORD, "password")
        if asked.totp_code is not None:
            await self._confirm_totp(asked, asked.totp_code)
            return _Proved(Amr.OTP, "totp")
        verified = await self._assertion.verify(
            asked.passkey or {}, origin=asked.origin, expected_user=asked.caller.user.id
        )
        return _Proved(Amr.HARDWARE_KEY, "passkey", user_verified=verified.user_verified)

    async def _confirm_totp(self, asked: Reauthentication, code: str) -> None:
        """A code of the caller's app, its time step spent; each try counted as a password guess is (per
        account and client), so a stolen access token buys no run at the codes."""
        async with self._uow as uow:
            await uow.throttle.spend(Rule.ACCOUNT_CHANGES_PER_CLIENT, asked.client)
            guess = await uow.throttle.spend(Rule.PASSWORD_GUESSES, asked.caller.user.email, asked.client)
            await uow.commit()
        async with self._uow as uow:
            factor = await uow.factors.get_totp(asked.caller.user.id)
            if factor is None or not factor.confirmed:
                raise MethodUnavailable(
                    "This account has no authenticator app.", "Confirm it is you with your password."
                )
            if not await self._totp.spend(uow, factor, code):
                raise WrongSecondFactor()
            await uow.throttle.refund(guess)
            await uow.commit()

    async def _record_failure(self, asked: Reauthentication, failure: Exception) -> None:
        async with self._uow as uow:
            await uow.security_events.add(
                SecurityEvent.at(
                    asked.origin,
                    SecurityEventType.REAUTHENTICATION_FAILED,
                    asked.caller.user.id,
                    self._clock.now(),
                    detail=_failure_word(failure),
                )
            )
            await uow.commit()


def _failure_word(failure: Exception) -> str:
    if isinstance(failure, WrongPassword):
        return "wrong_password"
    return "wrong_passkey" if isinstance(failure, InvalidPasskey) else "wrong_code"
