"""The composition root: the one place that knows every adapter, chosen from the settings.

Every setting is read once, in the first block, into a value named for what it does; below, every
argument is passed by keyword.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from dependency_injector import containers, providers

from adapters.bounce_signatures import StandardWebhooksVerifier
from adapters.clock import SystemClock
from adapters.crypto.code_digests import HmacCodeDigests
from adapters.crypto.common_passwords import common_passwords
from adapters.crypto.jwt_tokens import JwtAccessTokenService
from adapters.crypto.key_derivation import SIGNING_KEYS, TOTP_SECRETS, WEBHOOK_SECRETS, derive_key
from adapters.crypto.passwords import Argon2PasswordHasher
from adapters.crypto.sealed_secrets import AesGcmSealer
from adapters.crypto.signing_keys import KeyBox, KeyRing
from adapters.crypto.tokens import ItsdangerousTokenService
from adapters.crypto.totp import PyotpAuthenticator
from adapters.crypto.webauthn import PyWebauthnCeremony
from adapters.i18n.catalogs import Catalogs
from adapters.mail.console import ConsoleMailSender
from adapters.mail.file import FileMailSender
from adapters.mail.memory import MemoryMailSender
from adapters.mail.metered import MeteredMailSender
from adapters.mail.smtp import SmtpConfig, SmtpMailSender
from adapters.mail.templates import JinjaEmailRenderer
from adapters.sqlalchemy.engine import create_engine, one_statement_at_a_time
from adapters.sqlalchemy.resealing import Resealer
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from adapters.tracing import OpenTelemetryTracing, trace_engine, traced_mail_sender, traced_webhook_sender
from adapters.webhook_http import HttpxWebhookSender, PublicWebhookTargets
from application.account.account_trail import AccountTrail
from application.account.delete_own_account import DeleteOwnAccount
from application.account.export_account import ExportAccount
from application.account.show_me import ShowMe
from application.account.update_profile import UpdateProfile
from application.address.change_email import ChangeEmail
from application.address.check_email_change_link import CheckEmailChangeLink
from application.address.check_verification_link import CheckVerificationLink
from application.address.confirm_email_change import ConfirmEmailChange
from application.address.confirm_email_change_by_code import ConfirmEmailChangeByCode
from application.address.resend_verification import ResendVerification
from application.address.verify_email import VerifyEmail
from application.address.verify_email_by_code import VerifyEmailByCode
from application.admin.administer_account import AdministerAccount
from application.admin.create_admin import CreateAdmin
from application.admin.delete_account import DeleteAccount
from application.admin.describe_account import DescribeAccount, LocateAccount
from application.admin.find_users import FindUsers
from application.admin.get_account import GetAccount
from application.admin.list_users import ListUsers
from application.admin.resend_account_verification import ResendAccountVerification
from application.admin.reset_factors import ResetFactors
from application.admin.revoke_account_sessions import RevokeAccountSessions
from application.admin.send_mail import SendMail
from application.factors.confirm_totp import ConfirmTotp
from application.factors.disable_totp import DisableTotp
from application.factors.regenerate_recovery_codes import RegenerateRecoveryCodes
from application.factors.show_factors import ShowFactors
from application.factors.start_totp_enrolment import StartTotpEnrolment
from application.mail.deliver_outbox import DeliverOutbox
from application.mail.lift_suppression import LiftSuppression
from application.mail.list_suppressions import ListSuppressions
from application.mail.outbox_status import OutboxStatus
from application.mail.process_email_requests import ProcessEmailRequests
from application.mail.record_bounce import RecordBounce
from application.mail.revive_dead_messages import ReviveDeadMessages
from application.operations.housekeeping import Housekeeping
from application.passkeys.list_passkeys import ListPasskeys
from application.passkeys.register_passkey import RegisterPasskey
from application.passkeys.remove_passkey import RemovePasskey
from application.passkeys.rename_passkey import RenamePasskey
from application.passkeys.sign_in_with_passkey import SignInWithPasskey
from application.passkeys.start_passkey_sign_in import StartPasskeySignIn
from application.passkeys.start_registration import StartPasskeyRegistration
from application.password.change_password import ChangePassword
from application.password.check_reset_link import CheckResetLink
from application.password.confirm_reset import ConfirmReset
from application.password.request_reset import RequestReset
from application.password.reset_password_by_code import ResetPasswordByCode
from application.sessions.complete_second_factor import CompleteSecondFactor
from application.sessions.end_session import EndSession
from application.sessions.introspect import Introspect
from application.sessions.list_sessions import ListSessions
from application.sessions.log_out_everywhere_else import LogOutEverywhereElse
from application.sessions.login import Login
from application.sessions.login_by_code import LoginByCode
from application.sessions.login_by_link import LoginByLink
from application.sessions.logout import Logout
from application.sessions.reauthenticate import Reauthenticate
from application.sessions.refresh_session import RefreshSession
from application.sessions.request_login_code import RequestLoginCode
from application.shared.account_emails import AccountEmails
from application.shared.authenticate import Authenticate
from application.shared.code_book import CodeBook
from application.shared.config import DeliveryPolicy, Links, TokenLifetimes
from application.shared.current_password import CurrentPassword
from application.shared.cursors import PageCursors
from application.shared.fresh_sign_in import FreshSignIn
from application.shared.passkey_assertion import PasskeyAssertion
from application.shared.session_issuer import SessionIssuer
from application.shared.totp_check import TotpCheck
from application.signup.register_user import RegisterUser
from application.webhooks.add_webhook import AddWebhook
from application.webhooks.deliver_webhooks import ClaimWebhookDeliveries, SendToReceiver
from application.webhooks.distribute_events import DistributeEvents
from application.webhooks.list_webhooks import ListWebhooks
from application.webhooks.remove_webhook import RemoveWebhook
from application.webhooks.send_test_event import TestWebhook
from domain.limits import Limits, RateLimit, Rule
from entrypoints.development_secret import with_development_secret
from entrypoints.http.metrics_registry import Metrics
from entrypoints.http.operator_access import OperatorAccess
from entrypoints.http.pages import Pages
from entrypoints.settings import Settings
from entrypoints.telemetry import provider_from
from entrypoints.webhook_pump import WebhookPump
from entrypoints.worker import OutboxWorker


def _days(days: float | None) -> timedelta | None:
    return timedelta(days=days) if days else None  # None: kept for ever


def _lifetimes(s: Settings) -> TokenLifetimes:
    return TokenLifetimes(
        verification=timedelta(seconds=s.VERIFICATION_TOKEN_TTL_SECONDS),
        reset=timedelta(seconds=s.RESET_TOKEN_TTL_SECONDS),
        access=timedelta(seconds=s.ACCESS_TOKEN_TTL_SECONDS),
        refresh=timedelta(seconds=s.REFRESH_TOKEN_TTL_SECONDS),
        session=timedelta(seconds=s.SESSION_MAX_SECONDS),
        refresh_reuse_grace=timedelta(seconds=s.REFRESH_REUSE_GRACE_SECONDS),
        reauthentication=timedelta(seconds=s.REAUTH_MAX_AGE_SECONDS),
        login_code=timedelta(seconds=s.LOGIN_CODE_TTL_SECONDS),
        mfa_token=timedelta(seconds=s.MFA_TOKEN_TTL_SECONDS),
    )


def _limits(s: Settings) -> Limits:
    """Every rate limit of the service, its window and its count."""
    per_client = RateLimit(s.RATE_LIMIT_PER_IP_PER_MINUTE, timedelta(minutes=1))
    return {
        Rule.SIGNUP_PER_CLIENT: per_client,
        Rule.LOGIN_PER_CLIENT: per_client,
        Rule.RESET_REQUESTS_PER_CLIENT: per_client,
        Rule.VERIFICATION_REQUESTS_PER_CLIENT: per_client,
        Rule.ACCOUNT_CHANGES_PER_CLIENT: per_client,
        Rule.CODE_GUESSES_PER_CLIENT: per_client,
        Rule.LOGIN_CODE_REQUESTS_PER_CLIENT: per_client,
        Rule.PASSKEY_CHALLENGES_PER_CLIENT: per_client,
        Rule.PASSWORD_GUESSES: RateLimit(
            s.LOGIN_FAILURES_PER_ACCOUNT, timedelta(seconds=s.LOGIN_FAILURE_WINDOW_SECONDS)
        ),
        # Wrong codes are counted as wrong passwords are, on a counter of their own (see Rule.CODE_FAILURES).
        Rule.CODE_FAILURES: RateLimit(
            s.LOGIN_FAILURES_PER_ACCOUNT, timedelta(seconds=s.LOGIN_FAILURE_WINDOW_SECONDS)
        ),
        Rule.EMAILS_PER_ADDRESS: RateLimit(s.EMAILS_PER_ADDRESS_PER_HOUR, timedelta(hours=1)),
    }


def _delivery_policy(s: Settings) -> DeliveryPolicy:
    return DeliveryPolicy(
        max_attempts=s.OUTBOX_MAX_ATTEMPTS,
        batch_size=s.OUTBOX_BATCH_SIZE,
        first_retry=timedelta(seconds=s.OUTBOX_FIRST_RETRY_SECONDS),
        lease=timedelta(seconds=s.outbox_lease_seconds),
    )


def _webhook_delivery_policy(s: Settings) -> DeliveryPolicy:
    # A claim outlasts four slow receivers, whatever the email lease, so no other worker sends the same event.
    lease = max(s.outbox_lease_seconds, 4 * s.WEBHOOK_TIMEOUT_SECONDS)
    return replace(_delivery_policy(s), lease=timedelta(seconds=lease))


def _smtp_config(s: Settings) -> SmtpConfig:
    return SmtpConfig(
        host=s.MAIL_SERVER,
        port=s.MAIL_PORT,
        username=s.MAIL_USERNAME,
        password=s.MAIL_PASSWORD.get_secret_value(),
        use_credentials=s.USE_CREDENTIALS,
        start_tls=s.MAIL_STARTTLS,
        ssl_tls=s.MAIL_SSL_TLS,
        validate_certs=s.VALIDATE_CERTS,
        timeout=s.MAIL_TIMEOUT_SECONDS,
        sender_address=s.MAIL_FROM,
        sender_name=s.MAIL_FROM_NAME,
    )


def _secret(s: Settings) -> str:
    assert s.JWT_SECRET is not None, "build the container with build_container(), which sees to the secret"
    return s.JWT_SECRET.get_secret_value()


def _previous_keys(previous_secrets: list[str], purpose: str) -> list[bytes]:
    # Only to open what an earlier secret sealed (start-up seals it again); nothing is signed with them.
    return [derive_key(old, purpose) for old in previous_secrets]


class Container(containers.DeclarativeContainer):
    # Everything here is synchronous to build; async resources are opened and closed in the app's lifespan.
    settings = providers.Dependency(instance_of=Settings)

    secret = providers.Singleton(_secret, settings)
    previous_secrets = providers.Callable(lambda s: s.previous_secrets, settings)
    is_development = providers.Callable(lambda s: s.ENVIRONMENT.value == "development", settings)
    lifetimes = providers.Singleton(_lifetimes, settings)
    limits = providers.Singleton(_limits, settings)
    delivery_policy = providers.Singleton(_delivery_policy, settings)
    webhook_delivery_policy = providers.Singleton(_webhook_delivery_policy, settings)
    smtp_config = providers.Singleton(_smtp_config, settings)
    links = providers.Singleton(
        lambda s: Links(
            verify_email=s.verify_url_template,
            reset_password=s.reset_url_template,
            change_email=s.change_email_url_template,
            forgot_password=s.forgot_password_url,
            login=s.LOGIN_LINK_URL_TEMPLATE,
        ),
        settings,
    )
    template_dirs = providers.Callable(lambda s: [s.MAIL_TEMPLATES_DIR, s.PAGES_TEMPLATES_DIR], settings)
    reveal_existing_accounts = providers.Callable(lambda s: s.SIGNUP_REVEALS_EXISTING_ACCOUNTS, settings)
    sent_retention = providers.Callable(lambda s: _days(s.OUTBOX_RETENTION_DAYS), settings)
    unsent_retention = providers.Callable(lambda s: _days(s.OUTBOX_UNSENT_RETENTION_DAYS), settings)
    token_retention = providers.Callable(lambda s: _days(s.REFRESH_TOKEN_RETENTION_DAYS), settings)
    bounce_secret = providers.Callable(
        lambda s: s.BOUNCE_WEBHOOK_SECRET.get_secret_value() if s.BOUNCE_WEBHOOK_SECRET else "", settings
    )
    trail_retention = providers.Callable(lambda s: timedelta(days=s.SECURITY_EVENT_RETENTION_DAYS), settings)
    sender_domain = providers.Callable(lambda s: s.MAIL_FROM.rpartition("@")[2], settings)
    metrics_token = providers.Callable(
        lambda s: s.METRICS_TOKEN.get_secret_value() if s.METRICS_TOKEN else None, settings
    )
    metrics_port = providers.Callable(
        lambda s: s.metrics_listener[1] if s.metrics_listener else None, settings
    )

    clock = providers.Singleton(SystemClock)
    common_passwords = providers.Singleton(common_passwords)
    tracer_provider = providers.Singleton(provider_from, settings=settings)  # None: tracing is off
    tracing = providers.Singleton(OpenTelemetryTracing, provider=tracer_provider)
    engine = providers.Singleton(
        trace_engine,
        provider=tracer_provider,
        engine=providers.Singleton(
            create_engine,
            url=settings.provided.DATABASE_URL,
            pool_size=settings.provided.DATABASE_POOL_SIZE,
            max_overflow=settings.provided.DATABASE_MAX_OVERFLOW,
            timeout=settings.provided.DATABASE_TIMEOUT_SECONDS,
        ),
    )
    uow = providers.Factory(SqlAlchemyUnitOfWork, engine=engine, limits=limits, clock=clock)
    # For the use cases whose unit of work is a single read (GET /me, a bearer's account, introspection),
    # and the email worker's writes that are one statement (a group of messages marked sent).
    one_read_engine = providers.Singleton(one_statement_at_a_time, engine=engine)
    one_read_uow = providers.Factory(SqlAlchemyUnitOfWork, engine=one_read_engine, limits=limits, clock=clock)
    hasher = providers.Singleton(
        Argon2PasswordHasher,
        time_cost=settings.provided.PASSWORD_HASH_TIME_COST,
        memory_kib=settings.provided.PASSWORD_HASH_MEMORY_KIB,
        parallelism=settings.provided.PASSWORD_HASH_PARALLELISM,
        threads=settings.provided.PASSWORD_HASH_THREADS,
    )
    tokens = providers.Singleton(ItsdangerousTokenService, secret=secret, clock=clock)
    key_ring = providers.Singleton(
        KeyRing,
        engine=engine,
        box=providers.Singleton(
            KeyBox,
            key=providers.Singleton(derive_key, secret=secret, purpose=SIGNING_KEYS),
            previous=providers.Singleton(_previous_keys, previous_secrets, SIGNING_KEYS),
        ),
        algorithm=settings.provided.JWT_ALGORITHM,
        clock=clock,
        token_lifetime=lifetimes.provided.access,
        # Read again often enough that a rotated key is known everywhere before it starts signing.
        refresh_seconds=providers.Callable(lambda s: min(10.0, s.JWKS_CACHE_SECONDS / 2), settings),
    )
    access_tokens = providers.Singleton(
        JwtAccessTokenService,
        secret=secret,
        algorithm=settings.provided.JWT_ALGORITHM,
        clock=clock,
        issuer=settings.provided.token_issuer,
        audience=settings.provided.JWT_AUDIENCE,
        keys=key_ring,
        include_email=settings.provided.JWT_INCLUDE_EMAIL,
    )

    catalogs = providers.Singleton(Catalogs, deployment_dirs=template_dirs)
    renderer = providers.Singleton(
        JinjaEmailRenderer,
        templates_dir=settings.provided.MAIL_TEMPLATES_DIR,
        product=settings.provided.PRODUCT_NAME,
        catalogs=catalogs,
    )
    metrics = providers.Singleton(Metrics)
    operator_access = providers.Singleton(OperatorAccess, token=metrics_token, listener_port=metrics_port)
    pages = providers.Singleton(
        Pages,
        templates_dir=settings.provided.PAGES_TEMPLATES_DIR,
        product=settings.provided.PRODUCT_NAME,
        login_url=settings.provided.LOGIN_URL,
        csrf_key=providers.Singleton(derive_key, secret=secret, purpose="csrf"),
        catalogs=catalogs,
    )
    chosen_mail_sender = providers.Selector(
        providers.Callable(lambda s: s.MAIL_BACKEND.value, settings),
        smtp=providers.Singleton(SmtpMailSender, config=smtp_config),
        console=providers.Singleton(ConsoleMailSender),
        file=providers.Singleton(
            FileMailSender,
            directory=settings.provided.MAIL_FILE_DIR,
            sender_address=settings.provided.MAIL_FROM,
            sender_name=settings.provided.MAIL_FROM_NAME,
        ),
        memory=providers.Singleton(MemoryMailSender),
    )
    count_suppressed = providers.Callable(lambda metrics: lambda: metrics.count_email("suppressed"), metrics)
    mail_sender = providers.Singleton(
        traced_mail_sender,
        provider=tracer_provider,
        inner=providers.Singleton(
            MeteredMailSender, inner=chosen_mail_sender, count=metrics.provided.count_email
        ),
    )

    code_digests = providers.Singleton(
        HmacCodeDigests, key=providers.Singleton(derive_key, secret=secret, purpose="one-time-codes")
    )
    codes = providers.Singleton(
        CodeBook,
        digests=code_digests,
        clock=clock,
        max_failures_in_a_row=settings.provided.CODE_FAILURES_IN_A_ROW,
    )
    emails = providers.Singleton(
        AccountEmails,
        tokens=tokens,
        renderer=renderer,
        links=links,
        clock=clock,
        lifetimes=lifetimes,
        codes=codes,
        sender_domain=sender_domain,
    )
    sessions = providers.Singleton(
        SessionIssuer, access_tokens=access_tokens, clock=clock, lifetimes=lifetimes
    )
    current_password = providers.Factory(CurrentPassword, uow=uow, hasher=hasher)

    register_user = providers.Factory(
        RegisterUser,
        uow=uow,
        hasher=hasher,
        clock=clock,
        common_passwords=common_passwords,
        reveal_existing_accounts=reveal_existing_accounts,
    )
    verify_email = providers.Factory(VerifyEmail, uow=uow, tokens=tokens, lifetimes=lifetimes, clock=clock)
    resend_verification = providers.Factory(ResendVerification, uow=uow, clock=clock)
    login = providers.Factory(
        Login,
        uow=uow,
        hasher=hasher,
        sessions=sessions,
        clock=clock,
        reveal_existing_accounts=reveal_existing_accounts,
    )
    refresh_session = providers.Factory(
        RefreshSession, uow=uow, sessions=sessions, clock=clock, lifetimes=lifetimes
    )
    logout = providers.Factory(Logout, uow=uow, clock=clock)
    list_sessions = providers.Factory(ListSessions, uow=uow, clock=clock)
    # Signed, so only a cursor this service issued is read back (see application/shared/cursors.py).
    page_cursors = providers.Singleton(
        PageCursors, key=providers.Singleton(derive_key, secret=secret, purpose="page-cursors")
    )
    find_users = providers.Factory(FindUsers, uow=uow, cursors=page_cursors)
    show_me = providers.Factory(ShowMe, uow=one_read_uow, access_tokens=access_tokens, clock=clock)
    record_bounce = providers.Factory(RecordBounce, uow=uow, clock=clock)
    bounce_verifier = providers.Singleton(StandardWebhooksVerifier, secret=bounce_secret, clock=clock)
    list_suppressions = providers.Factory(ListSuppressions, uow=uow)
    lift_suppression = providers.Factory(LiftSuppression, uow=uow)
    account_trail = providers.Factory(AccountTrail, uow=uow, cursors=page_cursors)
    export_account = providers.Factory(ExportAccount, uow=uow, sessions=list_sessions)
    delete_own_account = providers.Factory(
        DeleteOwnAccount, uow=uow, current_password=current_password, codes=codes, emails=emails, clock=clock
    )
    delete_account = providers.Factory(DeleteAccount, uow=uow, emails=emails, clock=clock)
    get_account = providers.Factory(GetAccount, uow=uow)
    locate_account = providers.Factory(LocateAccount, uow=uow)
    describe_account = providers.Factory(DescribeAccount, uow=uow, clock=clock)
    administer_account = providers.Factory(AdministerAccount, uow=uow, clock=clock)
    revoke_account_sessions = providers.Factory(RevokeAccountSessions, uow=uow, clock=clock)
    resend_account_verification = providers.Factory(ResendAccountVerification, uow=uow, clock=clock)
    end_session = providers.Factory(EndSession, uow=uow, clock=clock)
    log_out_everywhere_else = providers.Factory(LogOutEverywhereElse, uow=uow, clock=clock)
    authenticate = providers.Factory(
        Authenticate,
        uow=one_read_uow,
        access_tokens=access_tokens,
        clock=clock,
        mfa_roles=providers.Callable(lambda s: frozenset(s.MFA_REQUIRED_ROLES), settings),
    )
    fresh_sign_in = providers.Factory(FreshSignIn, uow=one_read_uow, clock=clock, lifetimes=lifetimes)
    introspect = providers.Factory(
        Introspect,
        uow=one_read_uow,
        access_tokens=access_tokens,
        clock=clock,
        mfa_roles=providers.Callable(lambda s: frozenset(s.MFA_REQUIRED_ROLES), settings),
    )
    request_reset = providers.Factory(RequestReset, uow=uow, clock=clock)
    check_reset_link = providers.Factory(CheckResetLink, uow=uow, tokens=tokens, lifetimes=lifetimes)
    check_verification_link = providers.Factory(
        CheckVerificationLink, uow=uow, tokens=tokens, lifetimes=lifetimes
    )
    check_email_change_link = providers.Factory(
        CheckEmailChangeLink, uow=uow, tokens=tokens, lifetimes=lifetimes
    )
    update_profile = providers.Factory(UpdateProfile, uow=uow, clock=clock)
    confirm_reset = providers.Factory(
        ConfirmReset,
        uow=uow,
        tokens=tokens,
        hasher=hasher,
        emails=emails,
        clock=clock,
        lifetimes=lifetimes,
        common_passwords=common_passwords,
    )
    change_password = providers.Factory(
        ChangePassword,
        uow=uow,
        current_password=current_password,
        hasher=hasher,
        sessions=sessions,
        emails=emails,
        clock=clock,
        common_passwords=common_passwords,
    )
    verify_email_by_code = providers.Factory(VerifyEmailByCode, uow=uow, codes=codes, clock=clock)
    reset_password_by_code = providers.Factory(
        ResetPasswordByCode,
        uow=uow,
        codes=codes,
        hasher=hasher,
        emails=emails,
        clock=clock,
        common_passwords=common_passwords,
    )
    confirm_email_change_by_code = providers.Factory(
        ConfirmEmailChangeByCode, uow=uow, codes=codes, clock=clock
    )
    request_login_code = providers.Factory(RequestLoginCode, uow=uow, clock=clock)
    login_by_code = providers.Factory(
        LoginByCode, uow=uow, codes=codes, sessions=sessions, hasher=hasher, clock=clock
    )
    login_by_link = providers.Factory(
        LoginByLink,
        uow=uow,
        tokens=tokens,
        codes=codes,
        sessions=sessions,
        hasher=hasher,
        clock=clock,
        lifetimes=lifetimes,
    )
    change_email = providers.Factory(
        ChangeEmail,
        uow=uow,
        current_password=current_password,
        clock=clock,
        reveal_existing_accounts=reveal_existing_accounts,
    )
    confirm_email_change = providers.Factory(
        ConfirmEmailChange, uow=uow, tokens=tokens, lifetimes=lifetimes, clock=clock
    )
    # Passkeys: py_webauthn for this service's relying party (WEBAUTHN_RP_ID, _RP_NAME, _ORIGINS).
    passkey_ceremony = providers.Singleton(
        PyWebauthnCeremony,
        rp_id=settings.provided.webauthn_rp_id,
        rp_name=settings.provided.webauthn_rp_name,
        origins=settings.provided.webauthn_origins,
    )
    passkey_assertion = providers.Factory(PasskeyAssertion, uow=uow, ceremony=passkey_ceremony, clock=clock)
    start_passkey_registration = providers.Factory(
        StartPasskeyRegistration, uow=uow, ceremony=passkey_ceremony, clock=clock
    )
    register_passkey = providers.Factory(
        RegisterPasskey, uow=uow, ceremony=passkey_ceremony, emails=emails, clock=clock
    )
    list_passkeys = providers.Factory(ListPasskeys, uow=uow)
    rename_passkey = providers.Factory(RenamePasskey, uow=uow)
    remove_passkey = providers.Factory(RemovePasskey, uow=uow, emails=emails, clock=clock)
    start_passkey_sign_in = providers.Factory(
        StartPasskeySignIn, uow=uow, ceremony=passkey_ceremony, clock=clock
    )
    sign_in_with_passkey = providers.Factory(
        SignInWithPasskey, uow=uow, assertion=passkey_assertion, sessions=sessions, clock=clock
    )
    list_users = providers.Factory(ListUsers, uow=uow, cursors=page_cursors)
    send_mail = providers.Factory(SendMail, uow=uow, emails=emails)
    create_admin = providers.Factory(
        CreateAdmin, uow=uow, hasher=hasher, clock=clock, common_passwords=common_passwords
    )

    process_email_requests = providers.Factory(
        ProcessEmailRequests,
        uow=uow,
        emails=emails,
        clock=clock,
        tracing=tracing,
        batch_size=providers.Callable(lambda s: s.OUTBOX_BATCH_SIZE, settings),
    )
    deliver_outbox = providers.Factory(
        DeliverOutbox,
        uow=uow,
        sender=mail_sender,
        clock=clock,
        policy=delivery_policy,
        count_suppressed=count_suppressed,
        heartbeat_uow=uow,
        single_statement_uow=one_read_uow,
    )
    outbox_status = providers.Factory(OutboxStatus, uow=uow)
    revive_dead_messages = providers.Factory(ReviveDeadMessages, uow=uow, clock=clock)
    housekeeping = providers.Factory(
        Housekeeping,
        uow=uow,
        clock=clock,
        sent_retention=sent_retention,
        unsent_retention=unsent_retention,
        token_retention=token_retention,
        trail_retention=trail_retention,
        count=metrics.provided.count_pruned,
    )

    webhook_sealer = providers.Singleton(
        AesGcmSealer,
        key=providers.Singleton(derive_key, secret=secret, purpose=WEBHOOK_SECRETS),
        previous=providers.Singleton(_previous_keys, previous_secrets, WEBHOOK_SECRETS),
    )
    # Second factors: the authenticator app's secret sealed as the signing keys are, under a key of its own.
    totp_sealer = providers.Singleton(
        AesGcmSealer,
        key=providers.Singleton(derive_key, secret=secret, purpose=TOTP_SECRETS),
        previous=providers.Singleton(_previous_keys, previous_secrets, TOTP_SECRETS),
    )
    authenticator = providers.Singleton(PyotpAuthenticator)
    totp_check = providers.Factory(TotpCheck, authenticator=authenticator, sealer=totp_sealer, clock=clock)
    show_factors = providers.Factory(ShowFactors, uow=one_read_uow)
    start_totp_enrolment = providers.Factory(
        StartTotpEnrolment,
        uow=uow,
        authenticator=authenticator,
        sealer=totp_sealer,
        clock=clock,
        issuer=settings.provided.MAIL_FROM_NAME,
    )
    confirm_totp = providers.Factory(ConfirmTotp, uow=uow, check=totp_check, emails=emails, clock=clock)
    disable_totp = providers.Factory(DisableTotp, uow=uow, emails=emails, clock=clock)
    regenerate_recovery_codes = providers.Factory(
        RegenerateRecoveryCodes, uow=uow, emails=emails, clock=clock
    )
    complete_second_factor = providers.Factory(
        CompleteSecondFactor,
        uow=uow,
        sessions=sessions,
        check=totp_check,
        assertion=passkey_assertion,
        emails=emails,
        clock=clock,
    )
    reauthenticate = providers.Factory(
        Reauthenticate,
        uow=uow,
        current_password=current_password,
        totp=totp_check,
        assertion=passkey_assertion,
        access_tokens=access_tokens,
        clock=clock,
        lifetimes=lifetimes,
    )
    reset_factors = providers.Factory(ResetFactors, uow=uow, emails=emails, clock=clock)
    resealer = providers.Factory(
        Resealer, engine=engine, secret=secret, previous=previous_secrets, development=is_development
    )
    webhook_targets = providers.Singleton(
        PublicWebhookTargets, allow_private=settings.provided.WEBHOOK_ALLOW_PRIVATE
    )
    webhook_sender = providers.Singleton(
        traced_webhook_sender,
        provider=tracer_provider,
        inner=providers.Singleton(
            HttpxWebhookSender,
            targets=webhook_targets,
            timeout_seconds=settings.provided.WEBHOOK_TIMEOUT_SECONDS,
            tracer_provider=tracer_provider,
        ),
    )
    add_webhook = providers.Factory(
        AddWebhook, uow=uow, targets=webhook_targets, sealer=webhook_sealer, clock=clock
    )
    list_webhooks = providers.Factory(ListWebhooks, uow=uow)
    remove_webhook = providers.Factory(RemoveWebhook, uow=uow)
    test_webhook = providers.Factory(
        TestWebhook, uow=uow, sender=webhook_sender, sealer=webhook_sealer, clock=clock
    )
    distribute_events = providers.Factory(DistributeEvents, uow=uow)
    claim_webhook_deliveries = providers.Factory(
        ClaimWebhookDeliveries, uow=uow, clock=clock, policy=webhook_delivery_policy
    )
    send_to_receiver = providers.Factory(
        SendToReceiver,
        uow=uow,
        sender=webhook_sender,
        sealer=webhook_sealer,
        clock=clock,
        policy=webhook_delivery_policy,
    )
    webhook_pump = providers.Factory(
        WebhookPump,
        distribute=distribute_events.provider,
        claim=claim_webhook_deliveries.provider,
        send=send_to_receiver.provider,
        poll_seconds=settings.provided.OUTBOX_POLL_SECONDS,
        concurrency=settings.provided.WEBHOOK_CONCURRENCY,
    )

    outbox_worker = providers.Factory(
        OutboxWorker,
        deliver=deliver_outbox.provider,
        poll_seconds=settings.provided.OUTBOX_POLL_SECONDS,
        batch_size=settings.provided.OUTBOX_BATCH_SIZE,
        requests=process_email_requests.provider,
        housekeeping=housekeeping.provider,
        webhooks=webhook_pump,
    )


def build_container(settings: Settings) -> Container:
    return Container(settings=with_development_secret(settings))


async def close_container(container: Container) -> None:
    """Closes what the container may have opened: the mail connection, the database pools, the hash
    threads."""
    await container.mail_sender().close()
    await container.webhook_sender().close()
    await container.engine().dispose()
    container.hasher().close()
