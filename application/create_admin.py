from __future__ import annotations

from application.ports import Clock, PasswordHasher, UnitOfWork
from application.views import UserView
from domain.email import Email
from domain.errors import UserAlreadyExists
from domain.password_policy import check_password
from domain.user import Role, User


class CreateAdmin:
    """Creates a verified administrator (from the command line, where the operator is trusted)."""

    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, clock: Clock,
                 common_passwords: frozenset[str] = frozenset()) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._common_passwords = common_passwords

    async def execute(self, address: str, password: str) -> UserView:
        email = Email.parse(address)
        check_password(password, self._common_passwords)
        user = User(email=email, password_hash=await self._hasher.hash(password), created_at=self._clock.now(),
                    role=Role.ADMIN, is_verified=True)
        async with self._uow as uow:
            if await uow.users.get_by_email(email) is not None:
                raise UserAlreadyExists()
            await uow.users.add(user)
            await uow.commit()
        return UserView.of(user)
