"""The world of the unit tests: the service's one container (entrypoints/container.py) with the fakes and the
test settings as overrides, so every use case is built as in production and wired once, there. A test changes
a fake or a setting on the world, then asks for the use case: `world.login()`."""

from __future__ import annotations

import re
from typing import Any

from dependency_injector import providers

from adapters.tracing import NoTracing
from application.mail.deliver_outbox import DeliverOutbox
from application.operations.housekeeping import Housekeeping
from application.shared.config import DeliveryPolicy, Links, TokenLifetimes
from application.shared.cursors import PageCursors
from application.signup.register_user import Signup
from domain.email import Email
from domain.user import User
from domain.views import UserView
from entrypoints.container import Container
from entrypoints.settings import Settings
from tests.fakes import (
    LIMITS,
    LOGIN_FAILURES,
    PER_ADDRESS,
    PER_CLIENT,
    FakeAccessTokens,
    FakeClock,
    FakeCodeDigests,
    FakeHasher,
    FakeMailSender,
    FakeRenderer,
    FakeTokens,
    FakeUnitOfWork,
)
from tests.settings import TEST_SECRET

CLIENT = "203.0.113.7"  # a client address, for the per-client limits
LINKS = Links(
    "https://accounts.example.com/verify/{token}",
    "https://accounts.example.com/reset/{token}",
    "https://accounts.example.com/confirm-email/{token}",
)


def _settings() -> Settings:
    # The engine, keys and mail system these would open are all overridden; nothing here is connected to.
    return Settings(
        _env_file=None,
        ENVIRONMENT="test",
        JWT_SECRET=TEST_SECRET,  # type: ignore[call-arg]
        DATABASE_URL="sqlite+aiosqlite://",
        OUTBOX_BATCH_SIZE=50,
    )


class World:
    """Every fake put in the container in place of the real adapters."""

    def __init__(self, *, reveal_existing_accounts: bool = True, fail_commit: bool = False) -> None:
        self.clock = FakeClock()
        self.uow = FakeUnitOfWork(fail_commit=fail_commit, limits=LIMITS, clock=self.clock)
        self.hasher = FakeHasher()
        self.tokens = FakeTokens(self.clock)
        self.access_tokens = FakeAccessTokens()
        self.lifetimes = TokenLifetimes()
        self.mail = FakeMailSender()
        self.per_client, self.per_address, self.login_failures = PER_CLIENT, PER_ADDRESS, LOGIN_FAILURES
        self.common_passwords: frozenset[str] = frozenset({"password123"})
        self.reveal_existing_accounts = reveal_existing_accounts
        self.delivery_policy = DeliveryPolicy()
        self.cursors = PageCursors(key=b"the unit tests' cursor key")
        self.container = Container(settings=_settings())
        # Each override reads the world's attribute when a use case is built: a test may replace one.
        for name, attribute in (
            ("clock", "clock"),
            ("uow", "uow"),
            ("one_read_uow", "uow"),
            ("hasher", "hasher"),
            ("tokens", "tokens"),
            ("access_tokens", "access_tokens"),
            ("lifetimes", "lifetimes"),
            ("common_passwords", "common_passwords"),
            ("delivery_policy", "delivery_policy"),
            ("reveal_existing_accounts", "reveal_existing_accounts"),
            ("page_cursors", "cursors"),
            ("mail_sender", "mail"),
        ):
            getattr(self.container, name).override(providers.Callable(getattr, self, attribute))
        for name, fake in (
            ("links", LINKS),
            ("tracing", NoTracing()),
            ("renderer", FakeRenderer()),
            ("code_digests", FakeCodeDigests()),
        ):
            getattr(self.container, name).override(providers.Object(fake))
        # Built by the container from the fakes, once per world, as the service builds them once.
        self.codes = self.container.codes()
        self.emails = self.container.emails()
        self.sessions = self.container.sessions()

    def __getattr__(self, name: str) -> Any:
        """`world.login()` and every other use case: the container's provider of that name, on the fakes."""
        if name.startswith("_") or name == "container":
            raise AttributeError(name)
        provider = getattr(self.container, name, None)
        if not isinstance(provider, providers.Provider):
            raise AttributeError(name)
        return provider

    def deliver_outbox(self, sender: object | None = None) -> DeliverOutbox:
        # No heartbeat of its own: the fakes' one unit of work cannot be held by two tasks at once.
        return self.container.deliver_outbox(
            sender=sender or self.mail,  # type: ignore[no-any-return]
            heartbeat_uow=None,
        )

    def housekeeping(self, sent_retention=None, **retention) -> Housekeeping:  # type: ignore[no-untyped-def]
        # Housekeeping's own defaults, not the settings': the retention tests name what they keep.
        return Housekeeping(uow=self.uow, clock=self.clock, sent_retention=sent_retention, **retention)

    async def account(self, email: str) -> User:
        """The account as the repository holds it now."""
        async with self.uow as uow:
            user = await uow.users.get_by_email(Email.parse(email))
        assert user is not None, f"no account has {email}"
        return user

    async def user_count(self) -> int:
        async with self.uow as uow:
            return await uow.users.count()

    async def save(self, user: User) -> None:
        async with self.uow as uow:
            await uow.users.save(user)
            await uow.commit()

    async def sign_up(self, email: str, password: str = "correct horse") -> UserView:
        """A sign-up, and its verification email queued as the worker queues it."""
        user = await self.register_user().execute(Signup(email, password))
        await self.answer_email_requests()
        return user

    async def answer_email_requests(self) -> int:
        """What the worker does with recorded reset and verification requests."""
        return await self.process_email_requests().execute()

    def last_code(self, recipient: str | None = None) -> str:
        """The code of the newest email queued (to `recipient`)."""
        messages = [m for m in self.uow.outbox_messages if recipient in (None, m.recipient)]
        return re.findall(r"\b\d{6}\b", messages[-1].content.text_body)[-1]
