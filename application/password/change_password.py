from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from application.password._put_new_password import put_new_password
from application.ports.clock import Clock
from application.ports.crypto import PasswordHasher
from application.ports.unit_of_work import (
    HasCodes,
    HasEvents,
    HasFactors,
    HasOutbox,
    HasPendingSignIns,
    HasRefreshTokens,
    HasSecurityEvents,
    HasUsers,
    Transaction,
)
from application.shared.account_emails import AccountEmails
from application.shared.current_password import CurrentPassword
from application.shared.session_issuer import SessionIssuer
from domain.errors import WrongPassword
from domain.factors import Amr, Proof, SecondFactorRequired
from domain.password_policy import check_password
from domain.trail import SessionOrigin
from domain.views import SessionTokens


class _Work(
    Transaction,
    HasUsers,
    HasRefreshTokens,
    HasOutbox,
    HasCodes,
    HasEvents,
    HasSecurityEvents,
    HasFactors,
    HasPendingSignIns,
    Protocol,
): ...


@dataclass(frozen=True, slots=True)
class PasswordChange:
    user_id: uuid.UUID
    current_password: str
    new_password: str
    client: str = ""
    origin: SessionOrigin = SessionOrigin()
    proof: Proof | None = None  # the caller's access token's: the renewed session keeps its factors


class ChangePassword:
    """A logged-in user sets a new password; every other session ends, and this one is renewed."""

    def __init__(
        self,
        *,
        uow: _Work,
        current_password: CurrentPassword,
        hasher: PasswordHasher,
        sessions: SessionIssuer,
        emails: AccountEmails,
        clock: Clock,
        common_passwords: frozenset[str] = frozenset(),
    ) -> None:
        self._uow = uow
        self._emails = emails
        self._current_password = current_password
        self._hasher = hasher
        self._sessions = sessions
        self._clock = clock
        self._common_passwords = common_passwords

    async def execute(self, change: PasswordChange) -> SessionTokens | SecondFactorRequired:
        check_password(change.new_password, self._common_passwords)
        confirmed = await self._current_password.confirm(
            change.user_id, change.current_password, change.client
        )
        new_hash = await self._hasher.hash(change.new_password)
        async with self._uow as uow:
            user = await uow.users.get_for_change(change.user_id)
            if user is None or user.password_hash != confirmed.password_hash:
                raise WrongPassword()  # changed meanwhile: the password checked above is no longer current
            await put_new_password(uow, self._emails, user, new_hash, self._clock.now(), change.origin)
            now = self._clock.now()
            proof = _renewed(change.proof, now)
            session = await self._sessions.open(uow, user, proof, change.origin)
            await uow.commit()
        return await self._sessions.hand_out(session)


def _renewed(earlier: Proof | None, now: datetime) -> Proof:
    """The renewed session's proof. The password just shown makes a one-factor sign-in fresh; it proves no
    second factor, so a session with `mfa` keeps it only with its sign-in's own `auth_time`: whoever holds
    a session and learns its password gets no fresh `mfa` (and no sensitive action) by changing it."""
    if earlier is not None and earlier.multi_factor:
        return Proof(earlier.amr | {Amr.PASSWORD}, earlier.auth_time)
    return Proof((earlier.amr if earlier else frozenset()) | {Amr.PASSWORD}, now)
