from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from application.ports.clock import Clock
from application.ports.crypto import PasswordHasher
from application.ports.unit_of_work import (
    HasEmailRequests,
    HasEvents,
    HasSecurityEvents,
    HasThrottle,
    HasUsers,
    Transaction,
)
from application.shared.record_event import record_event
from domain.email import Email
from domain.email_requests import EmailRequest, EmailRequestKind
from domain.errors import UserAlreadyExists
from domain.events import EventType
from domain.limits import Rule
from domain.password_policy import check_password
from domain.trail import SessionOrigin
from domain.user import User
from domain.views import UserView


class _Work(Transaction, HasUsers, HasThrottle, HasEmailRequests, HasEvents, HasSecurityEvents, Protocol): ...


@dataclass(frozen=True, slots=True)
class Signup:
    email: str
    password: str
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    locale: str | None = None
    client: str = ""
    origin: SessionOrigin = SessionOrigin()


class RegisterUser:
    """Creates an unverified account and, in the same transaction, a request the worker answers with its
    verification email."""

    def __init__(
        self,
        *,
        uow: _Work,
        hasher: PasswordHasher,
        clock: Clock,
        common_passwords: frozenset[str] = frozenset(),
        reveal_existing_accounts: bool = True,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._common_passwords = common_passwords
        # False: a taken address gets the answer a new one gets, and its owner an email instead.
        self._reveal_existing_accounts = reveal_existing_accounts

    async def execute(self, signup: Signup) -> UserView:
        email = Email.parse(signup.email)
        check_password(signup.password, self._common_passwords)
        async with self._uow as uow:
            # Counted before the hash, which is what a flood would cost us.
            await uow.throttle.spend(Rule.SIGNUP_PER_CLIENT, signup.client)
            taken = await uow.users.get_by_email(email) is not None
            await uow.commit()
        if taken and self._reveal_existing_accounts:
            raise UserAlreadyExists()
        # A taken address spends the hash too, so the answer's timing matches a new account's.
        user = User(
            email=email,
            password_hash=await self._hasher.hash(signup.password),
            created_at=self._clock.now(),
            username=signup.username,
            first_name=signup.first_name,
            last_name=signup.last_name,
            locale=signup.locale,
        )
        async with self._uow as uow:
            # The same two writes whether or not the address is taken, so the timing tells nothing either:
            # the account unless the address has one, and a request the worker answers with a verification
            # email for the new account, or a note to the owner of the old one.
            if await uow.users.add_unless_taken(user):
                await record_event(uow, EventType.USER_CREATED, user, user.created_at, origin=signup.origin)
            elif self._reveal_existing_accounts:
                raise UserAlreadyExists()  # taken meanwhile, by a sign-up at the same moment
            await uow.email_requests.add(
                EmailRequest(EmailRequestKind.SIGN_UP, email, user.created_at, user.id)
            )
            await uow.commit()
        return UserView.of(user)
