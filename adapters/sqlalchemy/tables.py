"""The schema, as SQLAlchemy Core tables; Alembic migrations create it, this module describes it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    func,
)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on PostgreSQL and on SQLite (which keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware UTC datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    # Stored already normalised (see domain.email), so a lookup is an exact match on a unique index.
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("username", String(64)),
    Column("first_name", String(100)),
    Column("last_name", String(100)),
    Column("role", String(16), nullable=False),
    Column("is_verified", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("password_changed_at", UtcDateTime),
    Column("reset_nonce", String(32)),
    Column("locale", String(35)),
    Column("disabled_at", UtcDateTime),
    Index("ix_users_username", "username"),
    Index("ix_users_role_created_at", "role", "created_at", "id"),
    Index("ix_users_created_at_id", "created_at", "id"),
    # Room on each page for an account's new version beside the old (a verification, a login's rehash),
    # so an update that changes no indexed column writes none of its nine indexes (a HOT update).
    postgresql_with={"fillfactor": 90},
)
# The administrators' search by prefix, case-blind: lower(column) LIKE 'prefix%' goes along these.
SEARCHED_NAMES = ("email", "username", "first_name", "last_name")
for _name in SEARCHED_NAMES:
    Index(
        f"ix_users_lower_{_name}",
        func.lower(users.c[_name]).label(f"lower_{_name}"),
        postgresql_ops={f"lower_{_name}": "text_pattern_ops"},
    )

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("family_id", Uuid, nullable=False),  # found along ix_refresh_tokens_session, below
    Column("issued_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
    Column("session_expires_at", UtcDateTime, nullable=False),
    # The session's, copied to each of its tokens: when its login was, from where, on what (for its owner).
    Column("started_at", UtcDateTime),
    Column("client_ip", String(45)),
    Column("device", String(64)),
    # Set when the token is spent: with the token itself it makes its one successor again, for a race of
    # the owner's own within the reuse grace (refresh_session.py); alone it makes nothing.
    Column("successor_salt", String(64)),
    # How the session's person proved who they are, and when (domain/factors.py Proof): its access tokens
    # carry them as `amr` and `auth_time`, and every refresh keeps them.
    Column("auth_time", UtcDateTime),
    Column("amr", String(32)),
    Index("ix_refresh_tokens_expires_at", "expires_at"),  # what housekeeping prunes
    # An account's tokens (its sessions, every revocation, the cascade of a deletion) and, within them, a
    # session's newest token, which every bearer request reads (users.py): one index in place of the one on
    # user_id, so a new token still writes one entry here, and a spend (which changes none of these columns)
    # still touches no index.
    Index("ix_refresh_tokens_session", "user_id", "family_id", "issued_at"),
    postgresql_with={"fillfactor": 90},  # room on each page, so marking a token spent touches no index
)

outbox_messages = Table(
    "outbox_messages",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("message_id", String(255), nullable=False),
    Column("recipient", String(254), nullable=False),
    Column("subject", Text, nullable=False),
    # Cleared once sent: a delivered body still holds a live link.
    Column("text_body", Text),
    Column("html_body", Text),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("claimed_until", UtcDateTime),
    Column("claimed_by", String(32)),
    Column("last_error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime),
    Column("sent_at", UtcDateTime),
    Column("language", String(35)),  # what the body is written in: its Content-Language
    Column("trace_context", String(55)),  # the traceparent of the request that queued it
    Index("ix_outbox_messages_due", "status", "next_attempt_at"),
    Index("ix_outbox_messages_recipient", "recipient"),  # what a deletion cancels
)

# Fixed-window counters: one row per key and window, shared by every instance of the service.
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("key", String(400), primary_key=True),
    Column("window_start", UtcDateTime, primary_key=True),
    Column("count", Integer, nullable=False),
    Index("ix_rate_limits_window_start", "window_start"),
)

# Reset and verification requests, recorded alike for known and unknown addresses and answered by the
# worker, so the request itself takes the same path whoever asks.
email_requests = Table(
    "email_requests",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("email", String(254), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("processed_at", UtcDateTime),
    # A sign-up's new account, or the account asking to move to the address; none for a request by address.
    Column("user_id", Uuid),
    # Where the request came from, for the trail entry its answer may make; cleared once it is answered.
    Column("client_ip", String(45)),
    Column("device", String(64)),
    Column("trace_context", String(55)),  # the traceparent of the request that queued it
    Index("ix_email_requests_processed_at", "processed_at", "created_at"),
    # What an account's deletion takes with it.
    Index("ix_email_requests_email", "email"),
    Index("ix_email_requests_user_id", "user_id"),
)

# Secrets the service generated for itself: in development, the signing secret when JWT_SECRET is unset.
generated_secrets = Table(
    "generated_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(255), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# The codes in emails, beside their links: one live code per account and purpose, and per address and
# purpose; a newer email's code replaces the older. Only a keyed digest of the code is kept.
one_time_codes = Table(
    "one_time_codes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("purpose", String(32), nullable=False),
    Column("email", String(254), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime, nullable=True),
    UniqueConstraint("user_id", "purpose", name="uq_one_time_codes_user_id_purpose"),
    UniqueConstraint("email", "purpose", name="uq_one_time_codes_email_purpose"),
)

# Wrong codes in a row per address, from every client, whatever the code (application/shared/code_book.py):
# a row lives until a success ends the run, or, for an address with no account, until it has been quiet.
code_failures = Table(
    "code_failures",
    metadata,
    Column("email", String(254), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("last_failed_at", UtcDateTime, nullable=False),
    Index("ix_code_failures_last_failed_at", "last_failed_at"),  # what housekeeping prunes
)

# The keys access tokens are signed with (EdDSA, ES256, RS256), shared by every instance; the private part
# is encrypted with a key derived from JWT_SECRET, so a dump of the database alone cannot sign.
signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("algorithm", String(16), nullable=False),
    Column("public_jwk", Text, nullable=False),
    Column("private_key", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("activates_at", UtcDateTime, nullable=False),  # signs from then on; published from created_at
    Column("retires_at", UtcDateTime),  # signs no more from then on; published until its tokens expire
)

# The audit trail, append-only; a deleted account keeps its id, the types and the times only.
security_events = Table(
    "security_events",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("type", String(32), nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("client_ip", String(45)),
    Column("device", String(64)),
    Column("actor_id", Uuid),
    Column("detail", String(32)),
    Index("ix_security_events_user_id_occurred_at", "user_id", "occurred_at", "id"),
    Index("ix_security_events_occurred_at", "occurred_at"),
)

# Addresses no email goes to any more: a permanent refusal, or a provider's bounce or complaint report.
suppressions = Table(
    "suppressions",
    metadata,
    Column("email", String(254), primary_key=True),
    Column("source", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# The webhook-ids of signed bounce reports acted on, kept while a copy could still pass the signature
# check (its timestamp plus the tolerance): shared by every instance, so a replay anywhere does nothing.
bounce_receipts = Table(
    "bounce_receipts",
    metadata,
    Column("report_id", String(255), primary_key=True),
    Column("replayable_until", UtcDateTime, nullable=False),
    Index("ix_bounce_receipts_replayable_until", "replayable_until"),  # what housekeeping prunes
)

# Events about accounts, written in the transaction of the change; the worker hands each to the webhook
# subscriptions that want it (a delivery each) and deletes it.
account_events = Table(
    "account_events",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("type", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("trace_context", String(55)),  # the traceparent of the request that queued it
    Index("ix_account_events_created_at", "created_at"),
)

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("url", Text, nullable=False),
    Column("events", Text, nullable=False),  # the event types, comma-separated
    Column("secret", Text, nullable=False),  # sealed (adapters/crypto/sealed_secrets.py)
    Column("created_at", UtcDateTime, nullable=False),
    Column("disabled_at", UtcDateTime),
    Column("disabled_reason", Text),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("event_id", Uuid, nullable=False),  # the webhook-id of every attempt
    Column(
        "subscription_id", Uuid, ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), nullable=False
    ),
    Column("event_type", String(64), nullable=False),
    Column("body", Text),  # cleared once delivered: it holds the account's details
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("claimed_until", UtcDateTime),
    Column("claimed_by", String(32)),
    Column("last_status", Integer),  # the receiver's, of the last attempt it answered
    Column("last_answer", Text),  # its first KiB
    Column("last_error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    Column("trace_context", String(55)),  # the traceparent of the request that queued it
    Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    Index("ix_webhook_deliveries_subscription_id", "subscription_id"),
)

# Second factors (domain/factors.py). An authenticator app per account, pending until a code confirms it;
# its secret sealed as the signing keys are, so a dump of the database alone cannot make codes.
totp_factors = Table(
    "totp_factors",
    metadata,
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("sealed_secret", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("confirmed_at", UtcDateTime),
    Column("last_step", BigInteger),  # the last time step a code was accepted for; advanced atomically
)

# Recovery codes: their digests only, each usable once.
recovery_codes = Table(
    "recovery_codes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
    Index("ix_recovery_codes_user_id_digest", "user_id", "digest"),
)

# Passkeys (WebAuthn credentials), found by their credential id when one signs in.
passkeys = Table(
    "passkeys",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("credential_id", LargeBinary(1023), nullable=False, unique=True),
    Column("public_key", LargeBinary, nullable=False),
    Column("sign_count", BigInteger, nullable=False),
    Column("name", String(100), nullable=False),
    Column("aaguid", String(36), nullable=False),
    Column("backed_up", Boolean, nullable=False),
    Column("transports", String(100), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_used_at", UtcDateTime),
    Index("ix_passkeys_user_id", "user_id"),
)

# Sign-ins that proved a first factor and wait for the second: the mfa_token's hash, single use.
pending_sign_ins = Table(
    "pending_sign_ins",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("amr", String(32), nullable=False),
    Column("auth_time", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("failures", Integer, nullable=False),
    Index("ix_pending_sign_ins_expires_at", "expires_at"),  # what housekeeping prunes
    Index("ix_pending_sign_ins_user_id", "user_id"),
)

# WebAuthn challenges handed out and not yet answered: each taken once, within its few minutes.
webauthn_challenges = Table(
    "webauthn_challenges",
    metadata,
    Column("challenge", String(128), primary_key=True),  # base64url, as the client data carries it
    Column("purpose", String(16), nullable=False),  # registration or authentication
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE")),  # a registration's account
    Column("expires_at", UtcDateTime, nullable=False),
    Index("ix_webauthn_challenges_expires_at", "expires_at"),
)
