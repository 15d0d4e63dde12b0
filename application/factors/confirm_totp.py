from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from application.factors._notices import tell
from application.ports.clock import Clock
from application.ports.unit_of_work import (
    HasCodes,
    HasEvents,
    HasFactors,
    HasOutbox,
    HasRefreshTokens,
    HasSecurityEvents,
    HasThrottle,
    HasUsers,
    Transaction,
)
from application.shared.account_emails import AccountEmails
from application.shared.authenticate import Caller
from application.shared.recovery_codes import new_recovery_codes, recovery_digest
from application.shared.totp_check import TotpCheck
from domain.errors import NotAuthenticated, TotpAlreadyEnabled, TotpNotStarted, WrongSecondFactor
from domain.events import EventType
from domain.limits import Rule
from domain.trail import SecurityEvent, SecurityEventType, SessionOrigin


class _Work(
    Transaction,
    HasUsers,
    HasFactors,
    HasRefreshTokens,
    HasOutbox,
    HasCodes,
    HasEvents,
    HasSecurityEvents,
    HasThrottle,
    Protocol,
): ...


@dataclass(frozen=True, slots=True)
class TotpConfirmation:
    caller: Caller
    code: str
    origin: SessionOrigin = SessionOrigin()
    client: str = ""


class ConfirmTotp:
    """A code of the pending app turns it on: ten recovery codes are handed out (once), every other session
    of the account ends, and the owner is told. The confirming session keeps its proof: it is not promoted."""

    def __init__(self, *, uow: _Work, check: TotpCheck, emails: AccountEmails, clock: Clock) -> None:
        self._uow = uow
        self._check = check
        self._emails = emails
        self._clock = clock

    async def execute(self, confirmation: TotpConfirmation) -> list[str]:
        user_id = confirmation.caller.user.id
        codes = new_recovery_codes()
        async with self._uow as uow:
            # Each try counted as a password guess is: any session of the account may confirm, and one that
            # is not the owner's must not find the pending app's code by trying them all (it would get the
            # recovery codes, and end every other session, the owner's).
            guess = await uow.throttle.spend(
                Rule.PASSWORD_GUESSES, confirmation.caller.user.email, confirmation.client
            )
            await uow.commit()
        async with self._uow as uow:
            user = await uow.users.get_for_change(user_id)
            if user is None:
                raise NotAuthenticated()
            factor = await uow.factors.get_totp(user_id)
            if factor is None:
                raise TotpNotStarted()
            if factor.confirmed:
                raise TotpAlreadyEnabled()
            step = self._check.matching_step(factor, confirmation.code)
            now = self._clock.now()
            if step is None or not await uow.factors.confirm_totp(user_id, now, step):
                raise WrongSecondFactor()
            await uow.throttle.refund(guess)
            had_factor = (await uow.factors.summary(user_id)).passkeys > 0
            await uow.factors.replace_recovery_codes(
                user_id, [recovery_digest(user_id, c) for c in codes], now
            )
            await uow.refresh_tokens.revoke_all_for_user(
                user_id, now, keep_family=confirmation.caller.session_id
            )
            origin = confirmation.origin
            await uow.security_events.add(
                SecurityEvent.at(origin, SecurityEventType.SESSION_ENDED, user_id, now, detail="all_others")
            )
            await uow.security_events.add(
                SecurityEvent.at(origin, SecurityEventType.RECOVERY_CODES_ISSUED, user_id, now)
            )
            await tell(
                uow,
                self._emails,
                user,
                now,
                SecurityEventType.TOTP_ENABLED,
                "totp_enabled",
                origin,
                None if had_factor else EventType.USER_MFA_ENABLED,
            )
            await uow.commit()
        return codes
