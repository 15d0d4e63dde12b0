from __future__ import annotations

from application.ports import Clock, PasswordHasher, UnitOfWork
from application.rate_limits import RateLimit, password_guesses_key
from application.session_tokens import SessionIssuer
from application.views import SessionTokens
from domain.errors import RateLimited, WrongPassword
from domain.password_policy import check_password
from domain.user import User


class ChangePassword:
    """A logged-in user sets a new password; every other session ends, and this one is renewed."""

    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, sessions: SessionIssuer, clock: Clock,
                 failures: RateLimit, common_passwords: frozenset[str] = frozenset()) -> None:
        self._uow = uow
        self._hasher = hasher
        self._sessions = sessions
        self._clock = clock
        self._failures = failures
        self._common_passwords = common_passwords

    async def execute(self, user: User, current_password: str, new_password: str, client: str = "") -> SessionTokens:
        guesses_key = password_guesses_key(str(user.email), client)
        window = self._failures.window_start(self._clock.now())
        async with self._uow as uow:
            over = await uow.rate_limits.hit(guesses_key, window) > self._failures.limit
            await uow.commit()
        if over:
            raise RateLimited(self._failures.retry_after(self._clock.now()))
        if not await self._hasher.verify(user.password_hash, current_password):
            raise WrongPassword()
        check_password(new_password, self._common_passwords)
        new_hash = await self._hasher.hash(new_password)
        async with self._uow as uow:
            current = await uow.users.get(user.id, for_update=True)
            if current is None or current.password_hash != user.password_hash:
                raise WrongPassword()  # changed meanwhile: the password checked above is no longer current
            now = self._clock.now()
            current.change_password(new_hash, now)
            await uow.users.save(current)
            await uow.refresh_tokens.revoke_all_for_user(current.id, now)
            await uow.rate_limits.hit(guesses_key, window, -1)  # a right password is no guess
            session = await self._sessions.issue(uow, current)
            await uow.commit()
        return session
