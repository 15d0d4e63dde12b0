"""The one bootstrap of the unit tests: every use case, built on the fakes as the container builds it on
the real adapters. A test changes a fake or a setting on the world, then asks for the use case."""

from __future__ import annotations

import re

from adapters.tracing import NoTracing
from application.account.delete_own_account import DeleteOwnAccount
from application.address.change_email import ChangeEmail
from application.address.confirm_email_change import ConfirmEmailChange
from application.address.confirm_email_change_by_code import ConfirmEmailChangeByCode
from application.address.resend_verification import ResendVerification
from application.address.verify_email import VerifyEmail
from application.address.verify_email_by_code import VerifyEmailByCode
from application.admin.administer_account import AdministerAccount
from application.admin.create_admin import CreateAdmin
from application.admin.delete_account import DeleteAccount
from application.admin.find_users import FindUsers
from application.admin.list_users import ListUsers
from application.admin.revoke_account_sessions import RevokeAccountSessions
from application.admin.send_mail import SendMail
from application.mail.deliver_outbox import DeliverOutbox
from application.mail.outbox_status import OutboxStatus
from application.mail.process_email_requests import ProcessEmailRequests
from application.mail.revive_dead_messages import ReviveDeadMessages
from application.operations.housekeeping import Housekeeping
from application.password.change_password import ChangePassword
from application.password.check_reset_link import CheckResetLink
from application.password.confirm_reset import ConfirmReset
from application.password.request_reset import RequestReset
from application.password.reset_password_by_code import ResetPasswordByCode
from application.sessions.end_session import EndSession
from application.sessions.list_sessions import ListSessions
from application.sessions.log_out_everywhere_else import LogOutEverywhereElse
from application.sessions.login import Login
from application.sessions.login_by_code import LoginByCode
from application.sessions.login_by_link import LoginByLink
from application.sessions.logout import Logout
from application.sessions.refresh_session import RefreshSession
from application.sessions.request_login_code import RequestLoginCode
from application.shared.account_emails import AccountEmails
from application.shared.authenticate import Authenticate
from application.shared.code_book import CodeBook
from application.shared.config import DeliveryPolicy, Links, TokenLifetimes
from application.shared.current_password import CurrentPassword
from application.shared.cursors import PageCursors
from application.shared.session_issuer import SessionIssuer
from application.signup.register_user import RegisterUser, Signup
from domain.email import Email
from domain.user import User
from domain.views import UserView
from tests.fakes import (LIMITS, LOGIN_FAILURES, PER_ADDRESS, PER_CLIENT, FakeAccessTokens, FakeClock,
                         FakeCodeDigests, FakeHasher, FakeMailSender, FakeRenderer, FakeTokens, FakeUnitOfWork)

CLIENT = "203.0.113.7"  # a client address, for the per-client limits
LINKS = Links("https://accounts.example.com/verify/{token}", "https://accounts.example.com/reset/{token}",
              "https://accounts.example.com/confirm-email/{token}")


class World:
    """Every fake wired together, as the container wires the real adapters."""

    def __init__(self, *, reveal_existing_accounts: bool = True, fail_commit: bool = False) -> None:
        self.clock = FakeClock()
        self.uow = FakeUnitOfWork(fail_commit=fail_commit, limits=LIMITS, clock=self.clock)
        self.hasher = FakeHasher()
        self.tokens = FakeTokens(self.clock)
        self.access_tokens = FakeAccessTokens()
        self.lifetimes = TokenLifetimes()
        self.mail = FakeMailSender()
        self.codes = CodeBook(digests=FakeCodeDigests(), clock=self.clock)
        self.emails = AccountEmails(tokens=self.tokens, renderer=FakeRenderer(), links=LINKS, clock=self.clock,
                                    lifetimes=self.lifetimes, codes=self.codes)
        self.sessions = SessionIssuer(access_tokens=self.access_tokens, clock=self.clock, lifetimes=self.lifetimes)
        self.per_client, self.per_address, self.login_failures = PER_CLIENT, PER_ADDRESS, LOGIN_FAILURES
        self.common_passwords: frozenset[str] = frozenset({"password123"})
        self.reveal_existing_accounts = reveal_existing_accounts
        self.delivery_policy = DeliveryPolicy()
        self.cursors = PageCursors(key=b"the unit tests' cursor key")

    def register_user(self) -> RegisterUser:
        return RegisterUser(uow=self.uow, hasher=self.hasher, clock=self.clock,
                            common_passwords=self.common_passwords,
                            reveal_existing_accounts=self.reveal_existing_accounts)

    def verify_email(self) -> VerifyEmail:
        return VerifyEmail(uow=self.uow, tokens=self.tokens, lifetimes=self.lifetimes, clock=self.clock)

    def resend_verification(self) -> ResendVerification:
        return ResendVerification(uow=self.uow, clock=self.clock)

    def login(self) -> Login:
        return Login(uow=self.uow, hasher=self.hasher, sessions=self.sessions, clock=self.clock,
                     reveal_existing_accounts=self.reveal_existing_accounts)

    def refresh_session(self) -> RefreshSession:
        return RefreshSession(uow=self.uow, sessions=self.sessions, clock=self.clock, lifetimes=self.lifetimes)

    def logout(self) -> Logout:
        return Logout(uow=self.uow, clock=self.clock)

    def list_sessions(self) -> ListSessions:
        return ListSessions(uow=self.uow, clock=self.clock)

    def end_session(self) -> EndSession:
        return EndSession(uow=self.uow, clock=self.clock)

    def log_out_everywhere_else(self) -> LogOutEverywhereElse:
        return LogOutEverywhereElse(uow=self.uow, clock=self.clock)

    def authenticate(self) -> Authenticate:
        return Authenticate(uow=self.uow, access_tokens=self.access_tokens, clock=self.clock)

    def revoke_account_sessions(self) -> RevokeAccountSessions:
        return RevokeAccountSessions(uow=self.uow, clock=self.clock)

    def request_reset(self) -> RequestReset:
        return RequestReset(uow=self.uow, clock=self.clock)

    def check_reset_link(self) -> CheckResetLink:
        return CheckResetLink(uow=self.uow, tokens=self.tokens, lifetimes=self.lifetimes)

    def confirm_reset(self) -> ConfirmReset:
        return ConfirmReset(uow=self.uow, tokens=self.tokens, hasher=self.hasher, emails=self.emails,
                            clock=self.clock, lifetimes=self.lifetimes, common_passwords=self.common_passwords)

    def current_password(self) -> CurrentPassword:
        return CurrentPassword(uow=self.uow, hasher=self.hasher)

    def change_password(self) -> ChangePassword:
        return ChangePassword(uow=self.uow, current_password=self.current_password(), hasher=self.hasher,
                              sessions=self.sessions, emails=self.emails, clock=self.clock,
                              common_passwords=self.common_passwords)

    def change_email(self) -> ChangeEmail:
        return ChangeEmail(uow=self.uow, current_password=self.current_password(), clock=self.clock,
                           reveal_existing_accounts=self.reveal_existing_accounts)

    def confirm_email_change(self) -> ConfirmEmailChange:
        return ConfirmEmailChange(uow=self.uow, tokens=self.tokens, lifetimes=self.lifetimes,
                                  clock=self.clock)

    def verify_email_by_code(self) -> VerifyEmailByCode:
        return VerifyEmailByCode(uow=self.uow, codes=self.codes, clock=self.clock)

    def reset_password_by_code(self) -> ResetPasswordByCode:
        return ResetPasswordByCode(uow=self.uow, codes=self.codes, hasher=self.hasher, emails=self.emails,
                                   clock=self.clock, common_passwords=self.common_passwords)

    def confirm_email_change_by_code(self) -> ConfirmEmailChangeByCode:
        return ConfirmEmailChangeByCode(uow=self.uow, codes=self.codes, clock=self.clock)

    def request_login_code(self) -> RequestLoginCode:
        return RequestLoginCode(uow=self.uow, clock=self.clock)

    def login_by_code(self) -> LoginByCode:
        return LoginByCode(uow=self.uow, codes=self.codes, sessions=self.sessions, hasher=self.hasher,
                           clock=self.clock)

    def login_by_link(self) -> LoginByLink:
        return LoginByLink(uow=self.uow, tokens=self.tokens, codes=self.codes, sessions=self.sessions,
                           hasher=self.hasher, clock=self.clock, lifetimes=self.lifetimes)

    def list_users(self) -> ListUsers:
        return ListUsers(uow=self.uow, cursors=self.cursors)

    def find_users(self) -> FindUsers:
        return FindUsers(uow=self.uow, cursors=self.cursors)

    def administer_account(self) -> AdministerAccount:
        return AdministerAccount(uow=self.uow, clock=self.clock)

    def delete_account(self) -> DeleteAccount:
        return DeleteAccount(uow=self.uow, emails=self.emails, clock=self.clock)

    def delete_own_account(self) -> DeleteOwnAccount:
        return DeleteOwnAccount(uow=self.uow, current_password=self.current_password(), codes=self.codes,
                                emails=self.emails, clock=self.clock)

    def send_mail(self) -> SendMail:
        return SendMail(uow=self.uow, emails=self.emails)

    def create_admin(self) -> CreateAdmin:
        return CreateAdmin(uow=self.uow, hasher=self.hasher, clock=self.clock, common_passwords=self.common_passwords)

    def process_email_requests(self) -> ProcessEmailRequests:
        return ProcessEmailRequests(uow=self.uow, emails=self.emails, clock=self.clock, tracing=NoTracing())

    def deliver_outbox(self, sender: object | None = None) -> DeliverOutbox:
        return DeliverOutbox(uow=self.uow, sender=sender or self.mail, clock=self.clock,  # type: ignore[arg-type]
                             policy=self.delivery_policy)

    def outbox_status(self) -> OutboxStatus:
        return OutboxStatus(uow=self.uow)

    def revive_dead_messages(self) -> ReviveDeadMessages:
        return ReviveDeadMessages(uow=self.uow, clock=self.clock)

    def housekeeping(self, sent_retention=None, **retention) -> Housekeeping:  # type: ignore[no-untyped-def]
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
