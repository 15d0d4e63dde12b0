"""The composition root: the one place that knows every adapter, chosen from the settings."""

from __future__ import annotations

from datetime import timedelta

from dependency_injector import containers, providers

from adapters.clock import SystemClock
from adapters.common_passwords import common_passwords
from adapters.jwt_tokens import JwtAccessTokenService
from adapters.mail.console import ConsoleMailSender
from adapters.mail.file import FileMailSender
from adapters.mail.memory import MemoryMailSender
from adapters.mail.metered import MeteredMailSender
from adapters.mail.smtp import SmtpConfig, SmtpMailSender
from adapters.mail.templates import JinjaEmailRenderer
from adapters.passwords import Argon2PasswordHasher
from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from adapters.tokens import ItsdangerousTokenService
from application.account_emails import AccountEmails
from application.authenticate import Authenticate
from application.change_email import ChangeEmail, ConfirmEmailChange
from application.change_password import ChangePassword
from application.config import DeliveryPolicy, Links, TokenLifetimes
from application.confirm_reset import CheckResetLink, ConfirmReset
from application.create_admin import CreateAdmin
from application.deliver_outbox import DeliverOutbox
from application.list_users import ListUsers
from application.login import Login
from application.logout import Logout
from application.outbox_admin import Housekeeping, OutboxStatus, ReviveDeadMessages
from application.process_email_requests import ProcessEmailRequests
from application.rate_limits import CheckRequestRate, RateLimit
from application.refresh_session import RefreshSession
from application.register_user import RegisterUser
from application.request_reset import RequestReset
from application.resend_verification import ResendVerification
from application.send_mail import SendMail
from application.session_tokens import SessionIssuer
from application.verify_email import VerifyEmail
from entrypoints.http.metrics_registry import Metrics
from entrypoints.http.operator_access import OperatorAccess
from entrypoints.http.pages import Pages
from entrypoints.development_secret import with_development_secret
from entrypoints.settings import Settings
from entrypoints.worker import OutboxWorker


def _lifetimes(s: Settings) -> TokenLifetimes:
    return TokenLifetimes(verification=timedelta(seconds=s.VERIFICATION_TOKEN_TTL_SECONDS),
                          reset=timedelta(seconds=s.RESET_TOKEN_TTL_SECONDS),
                          access=timedelta(seconds=s.ACCESS_TOKEN_TTL_SECONDS),
                          refresh=timedelta(seconds=s.REFRESH_TOKEN_TTL_SECONDS),
                          session=timedelta(seconds=s.SESSION_MAX_SECONDS))


def _delivery_policy(s: Settings) -> DeliveryPolicy:
    return DeliveryPolicy(max_attempts=s.OUTBOX_MAX_ATTEMPTS, batch_size=s.OUTBOX_BATCH_SIZE,
                          first_retry=timedelta(seconds=s.OUTBOX_FIRST_RETRY_SECONDS),
                          lease=timedelta(seconds=s.OUTBOX_LEASE_SECONDS))


def _smtp_config(s: Settings) -> SmtpConfig:
    return SmtpConfig(host=s.MAIL_SERVER, port=s.MAIL_PORT, username=s.MAIL_USERNAME,
                      password=s.MAIL_PASSWORD.get_secret_value(), use_credentials=s.USE_CREDENTIALS,
                      start_tls=s.MAIL_STARTTLS, ssl_tls=s.MAIL_SSL_TLS, validate_certs=s.VALIDATE_CERTS,
                      timeout=s.MAIL_TIMEOUT_SECONDS, sender_address=s.MAIL_FROM, sender_name=s.MAIL_FROM_NAME)


class Container(containers.DeclarativeContainer):
    # Everything here is synchronous to build; async resources are opened and closed in the app's lifespan.
    settings = providers.Dependency(instance_of=Settings)

    clock = providers.Singleton(SystemClock)
    lifetimes = providers.Singleton(_lifetimes, settings)
    links = providers.Singleton(
        lambda s: Links(s.verify_url_template, s.reset_url_template, s.change_email_url_template), settings)
    per_ip = providers.Singleton(lambda s: RateLimit(s.RATE_LIMIT_PER_IP_PER_MINUTE, timedelta(minutes=1)), settings)
    per_address = providers.Singleton(lambda s: RateLimit(s.EMAILS_PER_ADDRESS_PER_HOUR, timedelta(hours=1)),
                                      settings)
    login_failures = providers.Singleton(
        lambda s: RateLimit(s.LOGIN_FAILURES_PER_ACCOUNT, timedelta(seconds=s.LOGIN_FAILURE_WINDOW_SECONDS)),
        settings)
    common_passwords = providers.Singleton(common_passwords)

    engine = providers.Singleton(lambda s: create_engine(s.DATABASE_URL, s.DATABASE_POOL_SIZE,
                                                         s.DATABASE_MAX_OVERFLOW), settings)
    uow = providers.Factory(SqlAlchemyUnitOfWork, engine)

    hasher = providers.Singleton(
        lambda s: Argon2PasswordHasher(s.PASSWORD_HASH_TIME_COST, s.PASSWORD_HASH_MEMORY_KIB,
                                       s.PASSWORD_HASH_PARALLELISM, s.PASSWORD_HASH_THREADS), settings)
    tokens = providers.Singleton(lambda s, clock: ItsdangerousTokenService(s.JWT_SECRET.get_secret_value(), clock),
                                 settings, clock)
    access_tokens = providers.Singleton(
        lambda s, clock: JwtAccessTokenService(s.JWT_SECRET.get_secret_value(), s.JWT_ALGORITHM, clock),
        settings, clock)

    renderer = providers.Singleton(lambda s: JinjaEmailRenderer(s.MAIL_TEMPLATES_DIR, s.PRODUCT_NAME), settings)
    metrics = providers.Singleton(Metrics)
    operator_access = providers.Singleton(
        lambda s: OperatorAccess(token=s.METRICS_TOKEN.get_secret_value() if s.METRICS_TOKEN else None,
                                 listener_port=s.metrics_listener[1] if s.metrics_listener else None), settings)
    chosen_mail_sender = providers.Selector(
        providers.Callable(lambda s: s.MAIL_BACKEND.value, settings),
        smtp=providers.Singleton(lambda s: SmtpMailSender(_smtp_config(s)), settings),
        console=providers.Singleton(ConsoleMailSender),
        file=providers.Singleton(lambda s: FileMailSender(s.MAIL_FILE_DIR, s.MAIL_FROM, s.MAIL_FROM_NAME), settings),
        memory=providers.Singleton(MemoryMailSender),
    )
    mail_sender = providers.Singleton(MeteredMailSender, chosen_mail_sender, metrics.provided.count_email)

    sender_domain = providers.Callable(lambda s: s.MAIL_FROM.rpartition("@")[2], settings)
    emails = providers.Singleton(AccountEmails, tokens, renderer, links, clock, lifetimes, sender_domain)
    sessions = providers.Singleton(SessionIssuer, access_tokens, clock, lifetimes)

    register_user = providers.Factory(RegisterUser, uow, hasher, emails, clock, per_ip, common_passwords,
                                      settings.provided.SIGNUP_REVEALS_EXISTING_ACCOUNTS)
    verify_email = providers.Factory(VerifyEmail, uow, tokens, lifetimes)
    resend_verification = providers.Factory(ResendVerification, uow, clock, per_ip)
    login = providers.Factory(Login, uow, hasher, sessions, clock, login_failures, per_ip,
                              settings.provided.SIGNUP_REVEALS_EXISTING_ACCOUNTS)
    refresh_session = providers.Factory(RefreshSession, uow, sessions, clock)
    logout = providers.Factory(Logout, uow, clock)
    authenticate = providers.Factory(Authenticate, uow, access_tokens)
    request_reset = providers.Factory(RequestReset, uow, clock, per_ip)
    process_email_requests = providers.Factory(ProcessEmailRequests, uow, emails, clock, per_address)
    check_request_rate = providers.Factory(CheckRequestRate, uow, clock, per_ip)
    change_password = providers.Factory(ChangePassword, uow, hasher, sessions, clock, login_failures,
                                        common_passwords)
    change_email = providers.Factory(ChangeEmail, uow, hasher, emails, clock, per_address, login_failures,
                                     settings.provided.SIGNUP_REVEALS_EXISTING_ACCOUNTS)
    confirm_email_change = providers.Factory(ConfirmEmailChange, uow, tokens, lifetimes)
    check_reset_link = providers.Factory(CheckResetLink, uow, tokens, lifetimes)
    pages = providers.Singleton(lambda s: Pages(s.PAGES_TEMPLATES_DIR, s.PRODUCT_NAME, s.LOGIN_URL,
                                                s.JWT_SECRET.get_secret_value()), settings)
    confirm_reset = providers.Factory(ConfirmReset, uow, tokens, hasher, clock, lifetimes, common_passwords)
    list_users = providers.Factory(ListUsers, uow)
    send_mail = providers.Factory(SendMail, uow, emails, clock, per_address)
    create_admin = providers.Factory(CreateAdmin, uow, hasher, clock, common_passwords)
    deliver_outbox = providers.Factory(DeliverOutbox, uow, mail_sender, clock,
                                       providers.Singleton(_delivery_policy, settings))
    outbox_status = providers.Factory(OutboxStatus, uow)
    revive_dead_messages = providers.Factory(ReviveDeadMessages, uow, clock)
    housekeeping = providers.Factory(
        Housekeeping, uow, clock,
        providers.Callable(lambda s: timedelta(days=s.OUTBOX_RETENTION_DAYS) if s.OUTBOX_RETENTION_DAYS else None,
                           settings))
    outbox_worker = providers.Factory(OutboxWorker, deliver_outbox.provider, settings.provided.OUTBOX_POLL_SECONDS,
                                      process_email_requests.provider, housekeeping.provider)


def build_container(settings: Settings) -> Container:
    return Container(settings=with_development_secret(settings))


async def close_container(container: Container) -> None:
    """Closes what the container may have opened: the mail connection, the database pools, the hash threads."""
    await container.mail_sender().close()
    await container.engine().dispose()
    container.hasher().close()
