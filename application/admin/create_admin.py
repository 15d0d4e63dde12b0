from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from application.ports.clock import Clock
from application.ports.crypto import PasswordHasher
from application.ports.unit_of_work import HasEvents, HasSecurityEvents, HasUsers, Transaction
from application.shared.record_event import record_event
from domain.email import Email
from domain.errors import UserAlreadyExists
from domain.events import EventType
from domain.password_policy import check_password
from domain.trail import SessionOrigin
from domain.user import Role, User
from domain.views import UserView


class _Work(Transaction, HasUsers, HasEvents, HasSecurityEvents, Protocol): ...


@dataclass(frozen=True, slots=True)
class NewAdmin:
    email: str
    password: str
    origin: SessionOrigin = SessionOrigin(device="command line")


class CreateAdmin:
    """Creates a verified administrator (from the command line, where the operator is trusted)."""

    def __init__(
        self,
        *,
        uow: _Work,
        hasher: PasswordHasher,
        clock: Clock,
        common_passwords: frozenset[str] = frozenset(),
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._common_passwords = common_passwords

    async def execute(self, admin: NewAdmin) -> UserView:
        email = Email.parse(admin.email)
        check_password(admin.password, self._common_passwords)
        user = User(
            email=email,
            password_hash=await self._hasher.hash(admin.password),
            created_at=self._clock.now(),
            role=Role.ADMIN,
            is_verified=True,
        )
        async with self._uow as uow:
            if await uow.users.get_by_email(email) is not None:
                raise UserAlreadyExists(
                    "An account with {email} already exists.", "Choose another address.", email=email
                )
            await uow.users.add(user)
            await record_event(uow, EventType.USER_CREATED, user, user.created_at, origin=admin.origin)
            await uow.commit()
        return UserView.of(user)
