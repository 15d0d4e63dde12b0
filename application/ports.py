"""The ports: what the use cases need from the world, as small Protocols."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from application.events import EventOutbox
from application.mail import EmailContent, OutboxMessage, OutboxStats
from application.security_events import SecurityEvents, SessionOrigin
from application.suppressions import BounceReceipts, Suppressions
from application.throttle import Rule, Spent
from application.webhooks import WebhookDeliveries, WebhookSubscriptions
from domain.email import Email
from domain.user import Role, User


class Clock(Protocol):
    """The current time, timezone-aware in UTC."""

    def now(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class UserFilter:
    """What an administrator looks for; None matches anything."""

    prefix: str | None = None  # of the address, the username, or the first or last name
    role: Role | None = None
    verified: bool | None = None
    disabled: bool | None = None


@dataclass(frozen=True, slots=True)
class UserPosition:
    """Where a page of accounts ends, in their order (by creation, then id)."""

    created_at: datetime
    id: uuid.UUID


class UserRepository(Protocol):
    """Stores accounts; `add` and `save` take effect when the unit of work commits, and raise
    UserAlreadyExists when the address is another account's."""

    async def get(self, user_id: uuid.UUID) -> User | None: ...
    async def get_with_suppression(self, user_id: uuid.UUID) -> tuple[User, bool] | None:
        """The account, and whether its address is on the suppression list: one look-up for both."""
        ...
    async def get_for_change(self, user_id: uuid.UUID) -> User | None:
        """The account, held until the unit of work ends: a concurrent change of it waits, then sees this one."""
        ...
    async def get_by_email(self, email: Email) -> User | None: ...
    async def mark_verified(self, user_id: uuid.UUID, email: Email) -> User | None:
        """Verifies the account if it is unverified under `email`, holding it until the unit of work ends
        (as get_for_change does); the account as it now is, or None when nothing changed."""
        ...
    async def add(self, user: User) -> None: ...
    async def add_unless_taken(self, user: User) -> bool:
        """Adds the account unless its address is another's: then nothing is written, and no error raised."""
        ...
    async def save(self, user: User) -> None: ...
    async def delete(self, user: User) -> None:
        """The account and everything held for it (sessions, codes, the email requests that name it or its
        address) are gone at commit."""
        ...
    async def list(self, offset: int, limit: int) -> Sequence[User]: ...
    async def count(self) -> int: ...
    async def search(self, filter: UserFilter, after: UserPosition | None, limit: int) -> Sequence[User]:
        """Matching accounts in creation order, after `after`, each page served by an index."""
        ...
    async def lock_active_admins(self) -> Sequence[uuid.UUID]:
        """The verified, enabled administrators, held until the unit of work ends: two administrators
        demoting each other at once cannot both leave none."""
        ...


@dataclass(frozen=True, slots=True)
class RefreshTokenRecord:
    token_hash: str
    user_id: uuid.UUID
    family_id: uuid.UUID  # the session: every token a login's refreshes lead to
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None
    # When the session (the family) ends, however often it is refreshed; no token of it outlives this.
    session_expires_at: datetime | None = None
    issued_at: datetime | None = None  # this token's: the session's last use
    started_at: datetime | None = None  # the login's
    origin: SessionOrigin = SessionOrigin()


class SpendOutcome(enum.Enum):
    SPENT = "spent"  # retired now (or within the reuse grace): its holder gets the next token of the family
    REUSED = "reused"  # retired before: someone else holds a copy
    REVOKED = "revoked"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Spend:
    outcome: SpendOutcome
    token: RefreshTokenRecord | None = None
    user: User | None = None  # the token's account; for SPENT, held as get_for_change holds it


class RefreshTokenRepository(Protocol):
    """Stores refresh tokens by the hash of their value, grouped in families (sessions) that rotate."""

    async def add(self, token_hash: str, user_id: uuid.UUID, family_id: uuid.UUID,
                  issued_at: datetime, expires_at: datetime, session_expires_at: datetime | None = None, *,
                  started_at: datetime | None = None, origin: SessionOrigin = SessionOrigin()) -> None:
        """`session_expires_at` defaults to `expires_at`, `started_at` to `issued_at`."""
        ...
    async def get(self, token_hash: str) -> RefreshTokenRecord | None: ...
    async def spend(self, token_hash: str, when: datetime, reuse_grace: timedelta = timedelta(0)) -> Spend:
        """Retires a token, once: of two concurrent spends of one token, one is SPENT and the other REUSED,
        unless the other comes within `reuse_grace` of the first (two tabs, a retried request): then both
        are SPENT. A token revoked by a change that held its account first is REVOKED, however they raced."""
        ...
    async def live_sessions(self, user_id: uuid.UUID, now: datetime) -> Sequence[RefreshTokenRecord]:
        """The newest token of each session of the account that can still be refreshed, newest session first."""
        ...
    async def end_session(self, user_id: uuid.UUID, family_id: uuid.UUID, when: datetime) -> bool:
        """Revokes the account's session; False when it has none of that id still live."""
        ...
    async def revoke_family(self, user_id: uuid.UUID, family_id: uuid.UUID, when: datetime) -> None:
        """Every token of the account's session `family_id`."""
        ...
    async def revoke_all_for_user(self, user_id: uuid.UUID, when: datetime,
                                  keep_family: uuid.UUID | None = None) -> None: ...
    async def prune(self, expired_before: datetime, limit: int = 1000) -> int:
        """Deletes at most `limit` of the tokens that expired before `expired_before` (spent and revoked ones
        too: a spent token is kept until it expires, so its reuse is caught while it could have worked)."""
        ...


class Outbox(Protocol):
    """Emails to send, written with the state change that caused them.

    A worker claims messages under a `claimant` token of its own; only the holder of a claim may settle,
    renew or release it, so a message whose claim lapsed and passed to another worker is the other's.
    """

    async def add(self, message: OutboxMessage) -> None: ...
    async def claim(self, limit: int, now: datetime, lease: timedelta, claimant: str) -> Sequence[OutboxMessage]:
        """Take due messages no other worker holds, counting an attempt each; the claim lapses after `lease`."""
        ...
    async def mark_sent(self, message_ids: Sequence[uuid.UUID], when: datetime, claimant: str) -> None: ...
    async def mark_failed(self, message_id: uuid.UUID, error: str, retry_at: datetime | None,
                          claimant: str) -> None:
        """Record a failed attempt; `retry_at` None means the message is dead."""
        ...
    async def renew(self, message_ids: Sequence[uuid.UUID], until: datetime, claimant: str) -> set[uuid.UUID]:
        """Extend the claim on messages still to send; the ids still held."""
        ...
    async def release(self, message_ids: Sequence[uuid.UUID], retry_at: datetime, claimant: str) -> None:
        """Give back claimed messages that were not attempted; their claim does not count as an attempt."""
        ...
    async def revive(self, now: datetime, message_id: uuid.UUID | None = None) -> int:
        """Put dead messages (one, or all) back in the queue; how many."""
        ...
    async def prune_sent(self, sent_before: datetime, limit: int = 1000) -> int:
        """Deletes at most `limit` of the oldest messages sent before `sent_before`; how many went."""
        ...
    async def prune_unsent(self, before: datetime, limit: int = 1000) -> int:
        """As prune_sent, for messages that never went (dead, suppressed, cancelled), by their last attempt."""
        ...
    async def stats(self, count_sent: bool = True) -> OutboxStats: ...
    async def mark_suppressed(self, message_id: uuid.UUID, reason: str, claimant: str) -> None:
        """Not sent, and never will be: the address is on the suppression list. The body is cleared."""
        ...
    async def cancel_to(self, recipient: str, when: datetime) -> int:
        """Messages to the address not sent yet are not sent, and their bodies are cleared (status
        `cancelled`): the account they were about is gone. Returns how many."""
        ...


class RateLimitCounters(Protocol):
    """Counts events per key in fixed time windows, in storage every instance of the service shares."""

    async def hit(self, key: str, window_start: datetime, amount: int = 1) -> int:
        """Adds `amount` (one event, or -1 to take one back); the window's count after it."""
        ...
    async def prune(self, before: datetime, limit: int = 1000) -> int:
        """Deletes at most `limit` of the windows that started before `before`; how many went."""
        ...


class Throttle(Protocol):
    """Counts requests under named rules (application/throttle.py), in the unit of work's transaction."""

    async def spend(self, rule: Rule, *subject: str) -> Spent:
        """Counts one request; past the rule's limit raises RateLimited."""
        ...
    async def allows(self, rule: Rule, *subject: str) -> bool:
        """Counts one request; False past the limit, for a limit that stays silent."""
        ...
    async def spend_within(self, rule: Rule, *subject: str) -> Spent | None:
        """Counts one request; None past the limit (counted all the same), for a caller that answers the
        refusal its own way (a wrong code's answer, which tells nothing)."""
        ...
    async def refund(self, spent: Spent) -> None:
        """Gives back what was counted: it turned out to be no abuse (a right password)."""
        ...


@dataclass(frozen=True, slots=True)
class OneTimeCode:
    """A code sent in an email beside its link, stored as a keyed digest only."""

    user_id: uuid.UUID
    purpose: TokenPurpose
    email: Email  # where it was sent
    digest: str
    created_at: datetime
    expires_at: datetime
    attempts: int = 0  # wrong tries at it
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    # Used (or retired), it is kept until a newer one replaces it, so a late right use is told from a wrong one.
    used_at: datetime | None = None


class OneTimeCodes(Protocol):
    """The codes of emails: one live code per account and purpose, and per address and purpose."""

    async def replace(self, code: OneTimeCode) -> None:
        """Stores the code, retiring the older one of its purpose for the account and for the address."""
        ...
    async def hold(self, email: Email, purpose: TokenPurpose, when: datetime,
                   user_id: uuid.UUID | None = None) -> OneTimeCode | None:
        """The unexpired code sent to `email` for `purpose` (of `user_id`'s, if given), used or not, held until
        the unit of work ends, so concurrent tries at it are judged one after the other; None when none."""
        ...
    async def count_wrong(self, code_id: uuid.UUID, wrong: bool) -> None:
        """One more wrong try at the code if `wrong`; one statement whether or not the code exists or the try
        was wrong, so its cost tells neither."""
        ...
    async def spend(self, code_id: uuid.UUID, when: datetime, max_attempts: int) -> bool:
        """Uses the code up if it is unused, still lives at `when` and has had fewer than `max_attempts` wrong
        tries; False when it was used, retired or died already (of concurrent spends, one wins)."""
        ...
    async def retire(self, user_id: uuid.UUID, when: datetime, *purposes: TokenPurpose) -> None:
        """The account's live codes of these purposes (of every purpose, when none is named) stop working:
        used up at `when`, as far as a later try at them can tell."""
        ...


class CodeFailures(Protocol):
    """Wrong codes in a row at one address, from every client, until a success ends the run."""

    async def count(self, email: Email, when: datetime, amount: int = 1) -> int:
        """Adds `amount` (one try, or -1 to take one back) at once for every caller; the run after it."""
        ...
    async def clear(self, email: Email) -> None:
        """The address's owner proved it (a right code, password or login link): the run ends."""
        ...
    async def prune(self, quiet_since: datetime, limit: int = 1000) -> int:
        """Deletes at most `limit` runs of addresses that have no account and no failure since `quiet_since`."""
        ...


class CodeDigests(Protocol):
    """Keyed digests of codes: a stolen table cannot be searched for the code behind a digest."""

    def digest(self, code: str, purpose: TokenPurpose, user_id: uuid.UUID, email: Email) -> str: ...


class EmailRequestKind(str, enum.Enum):
    RESET_PASSWORD = "reset-password"
    VERIFY_EMAIL = "verify-email"
    EXISTING_ACCOUNT = "existing-account"  # written before 0010; a sign-up is recorded as SIGN_UP now
    LOGIN_CODE = "login-code"
    SIGN_UP = "sign-up"  # user_id: the account the sign-up made, if the address was free
    CHANGE_EMAIL = "change-email"  # user_id: the account asking to move to the address


@dataclass(frozen=True, slots=True)
class EmailRequest:
    kind: EmailRequestKind
    email: Email
    created_at: datetime
    user_id: uuid.UUID | None = None
    origin: SessionOrigin = SessionOrigin()  # for the account's trail; gone when the request is pruned
    # The W3C traceparent of the request that queued it: its delivery joins that trace (empty: none).
    trace_context: str = ""
    id: uuid.UUID = field(default_factory=uuid.uuid4)


class EmailRequests(Protocol):
    """Requests for an email about an address, answered later by the worker whether or not it has an account."""

    async def add(self, request: EmailRequest) -> None: ...
    async def claim(self, limit: int) -> Sequence[EmailRequest]:
        """Unanswered requests, oldest first, that no other worker holds (locked until the commit)."""
        ...
    async def mark_processed(self, request_ids: Sequence[uuid.UUID], when: datetime) -> None: ...
    async def prune(self, processed_before: datetime, limit: int = 1000) -> int:
        """Deletes at most `limit` of the requests answered before `processed_before`; how many went."""
        ...


class UnitOfWork(Protocol):
    """One transaction; leaving the block without `commit()` rolls it back."""

    users: UserRepository
    refresh_tokens: RefreshTokenRepository
    outbox: Outbox
    throttle: Throttle
    rate_limits: RateLimitCounters
    email_requests: EmailRequests
    codes: OneTimeCodes
    code_failures: CodeFailures
    events: EventOutbox
    security_events: SecurityEvents
    suppressions: Suppressions
    bounce_receipts: BounceReceipts
    webhooks: WebhookSubscriptions
    webhook_deliveries: WebhookDeliveries

    async def __aenter__(self) -> UnitOfWork: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def commit(self) -> None: ...


class PasswordHasher(Protocol):
    """Hashes and checks passwords without blocking the caller's event loop."""

    async def hash(self, password: str) -> str: ...
    async def verify(self, password_hash: str | None, password: str) -> bool:
        """False for a wrong password; with no hash (no such user) it spends a hash and says False."""
        ...
    def needs_rehash(self, password_hash: str) -> bool: ...


class TokenPurpose(str, enum.Enum):
    VERIFY_EMAIL = "verify-email"
    RESET_PASSWORD = "reset-password"
    CHANGE_EMAIL = "change-email"
    LOGIN = "login"


class TokenService(Protocol):
    """Signed, expiring tokens for links in emails; a token of one purpose is refused by another."""

    def issue(self, purpose: TokenPurpose, claims: Mapping[str, Any]) -> str: ...
    def load(self, purpose: TokenPurpose, token: str, max_age: timedelta) -> dict[str, Any]:
        """The claims; raises InvalidToken or TokenExpired."""
        ...


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: uuid.UUID
    issued_at: datetime
    expires_at: datetime
    role: str
    email_verified: bool
    session_id: uuid.UUID | None = None  # the sid claim: the refresh-token family it was issued for


class AccessTokenService(Protocol):
    """Short-lived bearer tokens for API calls (JWT, RFC 9068), which other services can verify too."""

    async def issue(self, user: User, issued_at: datetime, ttl: timedelta,
                    session_id: uuid.UUID | None = None) -> str: ...
    async def decode(self, token: str) -> AccessClaims:
        """What a good token says; raises NotAuthenticated for a bad or expired one."""
        ...


class EmailRenderer(Protocol):
    """Turns a named template and its values into the subject and both body parts."""

    def render(self, template: str, values: Mapping[str, Any], locale: str | None = None) -> EmailContent:
        """In `locale` (a BCP 47 tag), or the nearest language on offer; English when none is."""
        ...


class Tracing(Protocol):
    def within(self, trace_context: str, name: str) -> AbstractContextManager[None]:
        """The work in the block is a span `name` of the trace `trace_context` names: what a request queued
        is answered, later and in another process, in the request's trace."""
        ...


class NoTracing:
    @contextmanager
    def within(self, trace_context: str, name: str) -> Iterator[None]:
        yield


class MailSender(Protocol):
    """Hands one message to a mail system; raises DeliveryError."""

    async def send(self, message: OutboxMessage) -> None: ...
    async def close(self) -> None: ...
