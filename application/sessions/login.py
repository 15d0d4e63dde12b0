from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from application.ports.clock import Clock
from application.ports.crypto import PasswordHasher
from application.ports.unit_of_work import (
    HasCodeFailures,
    HasFactors,
    HasPendingSignIns,
    HasRefreshTokens,
    HasSecurityEvents,
    HasThrottle,
    HasUsers,
    Transaction,
)
from application.shared.session_issuer import AWAITING_SECOND_FACTOR, SessionIssuer
from domain.email import Email
from domain.errors import InvalidCredentials, InvalidEmail
from domain.factors import Amr, Proof, SecondFactorRequired
from domain.limits import Rule
from domain.trail import SecurityEvent, SecurityEventType, SessionOrigin
from domain.user import User
from domain.views import SessionTokens


class _Work(
    Transaction,
    HasUsers,
    HasRefreshTokens,
    HasThrottle,
    HasCodeFailures,
    HasSecurityEvents,
    HasFactors,
    HasPendingSignIns,
    Protocol,
): ...


@dataclass(frozen=True, slots=True)
class Credentials:
    email: str
    password: str
    client: str = ""
    origin: SessionOrigin = SessionOrigin()


class Login:
    """Checks email and password and opens a session; one answer for an unknown email and a wrong password."""

    def __init__(
        self,
        *,
        uow: _Work,
        hasher: PasswordHasher,
        sessions: SessionIssuer,
        clock: Clock,
        reveal_existing_accounts: bool = True,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._hasher = hasher
        self._sessions = sessions
        # False where sign-up hides taken addresses: an unverified account's login would tell one exists.
        self._reveal_existing_accounts = reveal_existing_accounts

    async def execute(self, credentials: Credentials) -> SessionTokens | SecondFactorRequired:
        email = _address_or_none(credentials.email)
        # Guesses count per address and client, known address or not, so the lock tells nothing, and one
        # attacker cannot lock the person out from the person's own address.
        account = str(email) if email else _digest(credentials.email)
        async with self._uow as uow:
            _, guess = await uow.throttle.spend_each(
                (Rule.LOGIN_PER_CLIENT, (credentials.client,)),
                (Rule.PASSWORD_GUESSES, (account, credentials.client)),
            )
            user = await uow.users.get_by_email(email) if email else None
            await uow.commit()
        # With no user the hasher still spends a hash, so timing does not tell which part was wrong.
        valid = await self._hasher.verify(user.password_hash if user else None, credentials.password)
        if user is None or not valid or not (user.is_verified or self._reveal_existing_accounts):
            await self._record_failure(user if not valid else None, credentials)
            raise InvalidCredentials()
        user.require_enabled()  # told only to whoever knows the password
        checked_hash = user.password_hash
        upgraded = (
            await self._hasher.hash(credentials.password) if self._hasher.needs_rehash(checked_hash) else None
        )
        async with self._uow as uow:
            # Ends the address's run of wrong codes (CodeBook.check); first, as counters are taken before
            # rows.
            await uow.code_failures.clear(user.email)
            # Held and read again: a password reset that landed since the check must win, not this login.
            user = await uow.users.get_for_change(user.id)
            if user is None or user.password_hash != checked_hash:
                raise InvalidCredentials()
            if upgraded is not None:
                user.rehash_password(upgraded)
                await uow.users.save(user)
            session = await self._sessions.open(
                uow, user, Proof.of(self._clock.now(), Amr.PASSWORD), credentials.origin
            )
            # A right password is no guess. After the gate's read, so that it goes with the session's
            # writes: the refund is a deferred write, and a read sends those waiting before it.
            await uow.throttle.refund(guess)
            await uow.security_events.add(
                SecurityEvent.at(
                    credentials.origin,
                    SecurityEventType.LOGIN_SUCCEEDED,
                    user.id,
                    self._clock.now(),
                    detail=AWAITING_SECOND_FACTOR if session.pending else "",
                )
            )
            await uow.commit()
        return await self._sessions.hand_out(session)

    async def _record_failure(self, user: User | None, credentials: Credentials) -> None:
        # One transaction whether or not the address has an account, so the failure's cost tells nothing;
        # only an account's wrong password is in its trail.
        async with self._uow as uow:
            if user is not None:
                await uow.security_events.add(
                    SecurityEvent.at(
                        credentials.origin,
                        SecurityEventType.LOGIN_FAILED,
                        user.id,
                        self._clock.now(),
                        detail="wrong_password",
                    )
                )
            await uow.commit()


def _address_or_none(text: str) -> Email | None:
    try:
        return Email.parse(text)
    except InvalidEmail:
        return None


def _digest(text: str) -> str:
    # Text that is no address is counted under a digest: it may not even be storable as it is.
    return hashlib.sha256(text.strip().lower().encode("utf-8", "surrogatepass")).hexdigest()
