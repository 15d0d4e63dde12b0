from __future__ import annotations

from application.ports import PasswordHasher, UnitOfWork
from application.session_tokens import SessionIssuer
from application.views import SessionTokens
from domain.email import Email
from domain.errors import InvalidCredentials, InvalidEmail


class Login:
    """Checks email and password and opens a session; one answer for an unknown email and a wrong password."""

    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, sessions: SessionIssuer) -> None:
        self._uow = uow
        self._hasher = hasher
        self._sessions = sessions

    async def execute(self, address: str, password: str) -> SessionTokens:
        try:
            email = Email.parse(address)
        except InvalidEmail:
            email = None
        user = None
        if email is not None:
            async with self._uow as uow:
                user = await uow.users.get_by_email(email)
        # With no user the hasher still spends a hash, so timing does not tell which part was wrong.
        if not await self._hasher.verify(user.password_hash if user else None, password) or user is None:
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
