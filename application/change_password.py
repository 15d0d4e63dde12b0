from __future__ import annotations

from application.ports import Clock, PasswordHasher, UnitOfWork
from application.session_tokens import SessionIssuer
from application.views import SessionTokens
from domain.errors import WrongPassword
from domain.password_policy import check_password
from domain.user import User


class ChangePassword:
    """A logged-in user sets a new password; every other session ends, and this one is renewed."""

    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, sessions: SessionIssuer, clock: Clock,
                 common_passwords: frozenset[str] = frozenset()) -> None:
        self._uow = uow
        self._hasher = hasher
        self._sessions = sessions
        self._clock = clock
        self._common_passwords = common_passwords

    async def execute(self, user: User, current_password: str, new_password: str) -> SessionTokens:
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
            session = await self._sessions.issue(uow, current)
            await uow.commit()
        return session
