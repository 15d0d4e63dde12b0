from __future__ import annotations

import hashlib

from application.ports import Clock, PasswordHasher, UnitOfWork
from application.rate_limits import RateLimit
from application.session_tokens import SessionIssuer
from application.views import SessionTokens
from domain.email import Email
from domain.errors import InvalidCredentials, InvalidEmail, RateLimited


class Login:
    """Checks email and password and opens a session; one answer for an unknown email and a wrong password."""

    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, sessions: SessionIssuer, clock: Clock,
                 failures: RateLimit) -> None:
        self._uow = uow
        self._hasher = hasher
        self._sessions = sessions
        self._clock = clock
        self._failures = failures

    async def execute(self, address: str, password: str) -> SessionTokens:
        try:
            email: Email | None = Email.parse(address)
        except InvalidEmail:
            email = None
        # Failures count per address, known or not, so the lock tells nothing; it lifts when its window ends.
        # Not an address at all: counted under a digest, since such text (a NUL, say) may not even be storable.
        failures_key = f"login-failures:{email or hashlib.sha256(address.strip().lower().encode()).hexdigest()}"
        now = self._clock.now()
        user = None
        async with self._uow as uow:
            if await uow.rate_limits.count(failures_key, self._failures.window_start(now)) >= self._failures.limit:
                raise RateLimited(self._failures.retry_after(now))
            if email is not None:
                user = await uow.users.get_by_email(email)
        # With no user the hasher still spends a hash, so timing does not tell which part was wrong.
        if not await self._hasher.verify(user.password_hash if user else None, password) or user is None:
            async with self._uow as uow:
                await uow.rate_limits.hit(failures_key, self._failures.window_start(now))
                await uow.commit()
            raise InvalidCredentials()
        checked_hash = user.password_hash
        upgraded = await self._hasher.hash(password) if self._hasher.needs_rehash(checked_hash) else None
        async with self._uow as uow:
            # Locked and read again: a password reset that landed since the check must win, not this login.
            user = await uow.users.get(user.id, for_update=True)
            if user is None or user.password_hash != checked_hash:
                raise InvalidCredentials()
            if upgraded is not None:
                user.rehash_password(upgraded)
                await uow.users.save(user)
            session = await self._sessions.issue(uow, user)
            await uow.commit()
        return session
