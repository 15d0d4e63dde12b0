"""In-memory fakes of the ports: small, honest, and they record what happened."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from application.ports.clock import Clock
from application.shared.throttle import CountingThrottle
from domain.codes import OneTimeCode, TokenPurpose
from domain.email import Email
from domain.email_requests import EmailRequest
from domain.errors import (
    InvalidToken,
    NotAuthenticated,
    TokenExpired,
    UserAlreadyExists,
)
from domain.events import AccountEvent
from domain.factors import FactorListing, FactorSummary, Method, Passkey, PendingSignIn, Proof, TotpFactor
from domain.limits import Limits, RateLimit, Rule
from domain.mail import DeliveryError, EmailContent, OutboxMessage, OutboxStats
from domain.passkeys import ChallengePurpose, WebauthnChallenge
from domain.sessions import AccessClaims, RefreshTokenRecord, Spend, SpendOutcome
from domain.suppressions import Suppression
from domain.trail import EventPosition, SecurityEvent, SessionOrigin
from domain.user import BearerAccount, User, UserFilter, UserPosition
from domain.webhooks import WebhookSubscription
from tests.fake_webhooks import FakeEventOutbox, FakeWebhookDeliveries, FakeWebhookSubscriptions

PER_CLIENT = RateLimit(40, timedelta(minutes=1))
PER_ADDRESS = RateLimit(5, timedelta(hours=1))
LOGIN_FAILURES = RateLimit(10, timedelta(minutes=15))
LIMITS: Limits = {rule: PER_CLIENT for rule in Rule} | {
    Rule.EMAILS_PER_ADDRESS: PER_ADDRESS,
    Rule.PASSWORD_GUESSES: LOGIN_FAILURES,
    Rule.CODE_FAILURES: LOGIN_FAILURES,
}


class FakeClock:
    def __init__(self, start: datetime = datetime(2026, 1, 1, 12, tzinfo=UTC)) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


class ShiftedClock:
    """Real time, plus whatever the test has moved it on by: for a running service that must keep ticking."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


class Store:
    """What the fake database holds; the unit of work copies it in and writes it back on commit."""

    def __init__(self) -> None:
        self.users: dict[uuid.UUID, User] = {}
        self.refresh_tokens: dict[str, RefreshTokenRecord] = {}
        self.outbox: dict[uuid.UUID, dict[str, Any]] = {}
        self.counters: dict[tuple[str, datetime], int] = {}
        self.email_requests: dict[uuid.UUID, tuple[EmailRequest, datetime | None]] = {}
        self.codes: dict[uuid.UUID, OneTimeCode] = {}
        self.code_failures: dict[str, tuple[int, datetime]] = {}  # address: its run and its last failure
        self.events: dict[uuid.UUID, AccountEvent] = {}
        self.security_events: list[SecurityEvent] = []
        self.suppressions: dict[str, Suppression] = {}
        self.bounce_receipts: dict[str, datetime] = {}
        self.webhooks: dict[uuid.UUID, WebhookSubscription] = {}
        self.webhook_deliveries: dict[uuid.UUID, dict[str, Any]] = {}
        # Second factors, by account (domain/factors.py): what the tables of migration 0022 hold.
        self.totp_factors: dict[uuid.UUID, TotpFactor] = {}
        self.recovery_codes: dict[uuid.UUID, dict[str, datetime | None]] = {}  # digest: when it was used
        self.passkeys: dict[uuid.UUID, Passkey] = {}  # by the passkey's id
        self.pending_sign_ins: dict[str, PendingSignIn] = {}
        self.webauthn_challenges: dict[str, tuple[str, uuid.UUID | None, datetime]] = {}


class FakeRateLimitCounters:
    def __init__(self, counters: dict[tuple[str, datetime], int]) -> None:
        self.counters = counters

    async def hit(self, key: str, window_start: datetime, amount: int = 1) -> int:
        self.counters[key, window_start] = self.counters.get((key, window_start), 0) + amount
        return self.counters[key, window_start]

    async def hit_each(self, windows: Sequence[tuple[str, datetime]]) -> list[int]:
        return [await self.hit(key, start) for key, start in windows]

    async def take_back(self, key: str, window_start: datetime) -> None:
        if (key, window_start) in self.counters:
            self.counters[key, window_start] -= 1

    async def prune(self, before: datetime, limit: int = 1000) -> int:
        old = sorted((k for k in self.counters if k[1] < before), key=lambda k: k[1])[:limit]
        for key in old:
            del self.counters[key]
        return len(old)


class FakeEmailRequests:
    def __init__(self, requests: dict[uuid.UUID, tuple[EmailRequest, datetime | None]]) -> None:
        self.requests = requests

    async def add(self, request: EmailRequest) -> None:
        self.requests[request.id] = (request, None)

    async def claim(self, limit: int) -> Sequence[EmailRequest]:
        unanswered = [r for r, processed in self.requests.values() if processed is None]
        return sorted(unanswered, key=lambda r: r.created_at)[:limit]  # the oldest first, as the adapter's

    async def mark_processed(self, request_ids: Sequence[uuid.UUID], when: datetime) -> None:
        for request_id in request_ids:
            self.requests[request_id] = (self.requests[request_id][0], when)

    async def take(self, limit: int, when: datetime) -> Sequence[EmailRequest]:
        taken = await self.claim(limit)
        await self.mark_processed([r.id for r in taken], when)
        return taken

    async def prune(self, processed_before: datetime, limit: int = 1000) -> int:
        # the oldest first, as the adapter's
        old = sorted(
            (at, i) for i, (_, at) in self.requests.items() if at is not None and at < processed_before
        )[:limit]
        for _, request_id in old:
            del self.requests[request_id]
        return len(old)


class FakeOneTimeCodes:
    def __init__(self, codes: dict[uuid.UUID, OneTimeCode]) -> None:
        self.codes = codes

    async def replace(self, code: OneTimeCode) -> None:
        for old in [
            c
            for c in self.codes.values()
            if c.purpose is code.purpose and (c.user_id == code.user_id or c.email == code.email)
        ]:  # as the upsert does
            del self.codes[old.id]
        self.codes[code.id] = code

    async def hold(
        self, email: Email, purpose: TokenPurpose, when: datetime, user_id: uuid.UUID | None = None
    ) -> OneTimeCode | None:
        return next(
            (
                c
                for c in self.codes.values()
                if c.email == email
                and c.purpose is purpose
                and c.expires_at > when
                and user_id in (None, c.user_id)
            ),
            None,
        )

    async def count_wrong(self, code_id: uuid.UUID, wrong: bool) -> None:
        if wrong and code_id in self.codes:
            self.codes[code_id] = replace(self.codes[code_id], attempts=self.codes[code_id].attempts + 1)

    async def spend(self, code_id: uuid.UUID, when: datetime, max_attempts: int) -> bool:
        code = self.codes.get(code_id)
        if (
            code is None
            or code.used_at is not None
            or code.expires_at <= when
            or code.attempts >= max_attempts
        ):
            return False
        self.codes[code_id] = replace(code, used_at=when)
        return True

    async def retire(self, user_id: uuid.UUID, when: datetime, *purposes: TokenPurpose) -> None:
        for old in [
            c
            for c in self.codes.values()
            if c.user_id == user_id and c.used_at is None and (not purposes or c.purpose in purposes)
        ]:
            self.codes[old.id] = replace(old, used_at=when)


class FakeCodeFailures:
    def __init__(self, runs: dict[str, tuple[int, datetime]], users: dict[uuid.UUID, User]) -> None:
        self.runs = runs
        self._users = users

    async def count(self, email: Email, when: datetime, amount: int = 1) -> int:
        self.runs[email.value] = (self.runs.get(email.value, (0, when))[0] + amount, when)
        return self.runs[email.value][0]

    async def clear(self, email: Email) -> None:
        self.runs.pop(email.value, None)

    async def prune(self, quiet_since: datetime, limit: int = 1000) -> int:
        owned = {user.email.value for user in self._users.values()}
        old = sorted(
            (email for email, (_, at) in self.runs.items() if at < quiet_since and email not in owned),
            key=lambda email: self.runs[email][1],
        )[:limit]  # the oldest first, as the adapter's
        for email in old:
            del self.runs[email]
        return len(old)


class FakeCodeDigests:
    def digest(self, code: str, purpose: TokenPurpose, user_id: uuid.UUID, email: Email) -> str:
        return f"{purpose.value}:{user_id}:{email}:{code}"


class FakeUsers:
    def __init__(
        self,
        users: dict[uuid.UUID, User],
        suppressed: Collection[str] = (),
        refresh_tokens: dict[str, RefreshTokenRecord] | None = None,
        codes: dict[uuid.UUID, OneTimeCode] | None = None,
        email_requests: dict[uuid.UUID, tuple[EmailRequest, datetime | None]] | None = None,
        store: Store | None = None,
    ) -> None:
        self.users = users
        self._store = store  # for the factor tables, whose rows go with the account
        self.suppressed = suppressed  # the suppression list's addresses
        self.refresh_tokens = refresh_tokens if refresh_tokens is not None else {}
        self.codes = codes if codes is not None else {}
        self.email_requests = email_requests if email_requests is not None else {}

    def _taken(self, user: User) -> bool:
        return any(u.email == user.email and u.id != user.id for u in self.users.values())

    async def get(self, user_id: uuid.UUID) -> User | None:
        return copy.deepcopy(self.users.get(user_id))

    async def get_with_suppression(self, user_id: uuid.UUID) -> tuple[User, bool] | None:
        user = await self.get(user_id)
        return (user, user.email.value in self.suppressed) if user is not None else None

    async def get_for_bearer(
        self, user_id: uuid.UUID, session_id: uuid.UUID, now: datetime, *, with_suppression: bool = False
    ) -> BearerAccount | None:
        user = await self.get(user_id)
        if user is None:
            return None
        family = [
            r for r in self.refresh_tokens.values() if r.user_id == user_id and r.family_id == session_id
        ]
        newest = max(family, key=lambda r: r.issued_at or r.expires_at, default=None)
        live = newest is not None and newest.revoked_at is None and newest.expires_at > now
        return BearerAccount(
            user, session_live=live, suppressed=with_suppression and user.email.value in self.suppressed
        )

    async def get_for_change(self, user_id: uuid.UUID) -> User | None:
        return await self.get(user_id)  # one unit of work at a time here: nothing to wait for

    async def get_by_email(self, email: Email) -> User | None:
        return copy.deepcopy(next((u for u in self.users.values() if u.email == email), None))

    async def mark_verified(self, user_id: uuid.UUID, email: Email) -> User | None:
        user = self.users.get(user_id)
        return copy.deepcopy(user) if user is not None and user.verify_email(email) else None

    async def add(self, user: User) -> None:
        if self._taken(user) or user.id in self.users:
            raise UserAlreadyExists()
        self.users[user.id] = copy.deepcopy(user)

    async def add_unless_taken(self, user: User) -> bool:
        if any(u.email == user.email for u in self.users.values()):
            return False
        self.users[user.id] = copy.deepcopy(user)
        return True

    async def save(self, user: User) -> None:
        if self._taken(user):  # the unique index on the address refuses a change onto another's, as a new one
            raise UserAlreadyExists()
        self.users[user.id] = copy.deepcopy(user)

    async def list(self, offset: int, limit: int) -> Sequence[User]:
        ordered = sorted(self.users.values(), key=lambda u: (u.created_at, u.id))
        return copy.deepcopy(ordered[offset : offset + limit])

    async def count(self) -> int:
        return len(self.users)

    async def delete(self, user: User) -> None:
        # As the foreign keys' ON DELETE CASCADE and the adapter's own delete of the requests do.
        self.users.pop(user.id, None)
        for token_hash in [h for h, r in self.refresh_tokens.items() if r.user_id == user.id]:
            del self.refresh_tokens[token_hash]
        for code_id in [i for i, c in self.codes.items() if c.user_id == user.id]:
            del self.codes[code_id]
        for request_id in [
            i for i, (r, _) in self.email_requests.items() if r.user_id == user.id or r.email == user.email
        ]:
            del self.email_requests[request_id]
        if self._store is not None:
            remove_factors(self._store, user.id)
            for token_hash in [h for h, p in self._store.pending_sign_ins.items() if p.user_id == user.id]:
                del self._store.pending_sign_ins[token_hash]
            challenges = self._store.webauthn_challenges
            for challenge in [c for c, (_, owner, _) in challenges.items() if owner == user.id]:
                del challenges[challenge]

    async def search(self, filter: UserFilter, after: UserPosition | None, limit: int) -> Sequence[User]:
        def matches(u: User) -> bool:
            names = [str(u.email), u.username, u.first_name, u.last_name]
            return (
                (not filter.prefix or any(n and n.lower().startswith(filter.prefix.lower()) for n in names))
                and filter.role in (None, u.role)
                and filter.verified in (None, u.is_verified)
                and filter.disabled in (None, u.disabled)
                and (after is None or (u.created_at, u.id) > (after.created_at, after.id))
            )

        found = sorted((u for u in self.users.values() if matches(u)), key=lambda u: (u.created_at, u.id))
        return copy.deepcopy(found[:limit])

    async def lock_active_admins(self) -> Sequence[uuid.UUID]:
        return sorted(u.id for u in self.users.values() if u.is_active_admin)


class FakeRefreshTokens:
    def __init__(self, tokens: dict[str, RefreshTokenRecord], users: dict[uuid.UUID, User]) -> None:
        self.tokens = tokens
        self.users = users

    async def add(
        self,
        token_hash,
        user_id,
        family_id,
        issued_at,
        expires_at,  # type: ignore[no-untyped-def]
        session_expires_at=None,
        *,
        started_at=None,
        origin=SessionOrigin(),
        proof=None,
    ) -> None:
        self.tokens[token_hash] = RefreshTokenRecord(
            token_hash,
            user_id,
            family_id,
            expires_at,
            session_expires_at=session_expires_at or expires_at,
            issued_at=issued_at,
            started_at=started_at or issued_at,
            # cut to the columns' widths, as the table keeps them
            origin=SessionOrigin(origin.ip[:45], origin.device[:64]),
            proof=proof,
        )

    async def get(self, token_hash: str) -> RefreshTokenRecord | None:
        return self.tokens.get(token_hash)

    async def spend(
        self,
        token_hash: str,
        when: datetime,
        reuse_grace: timedelta = timedelta(0),
        successor_salt: str | None = None,
    ) -> Spend:
        record = self.tokens.get(token_hash)
        if record is None or record.user_id not in self.users:
            return Spend(SpendOutcome.UNKNOWN)
        user = copy.deepcopy(self.users[record.user_id])
        if record.revoked_at is not None:
            return Spend(SpendOutcome.REVOKED, record, user)
        if record.expires_at <= when:
            return Spend(SpendOutcome.EXPIRED, record, user)
        if record.used_at is not None:
            raced = when < record.used_at + reuse_grace
            return Spend(SpendOutcome.RACED if raced else SpendOutcome.REUSED, record, user)
        self.tokens[token_hash] = replace(record, used_at=when, successor_salt=successor_salt)
        forked = any(
            r.family_id == record.family_id
            and r.token_hash != token_hash
            and r.used_at is None
            and r.revoked_at is None
            and r.expires_at > when
            and (r.issued_at or when) >= (record.issued_at or when)
            for r in self.tokens.values()
        )
        return Spend(SpendOutcome.REUSED if forked else SpendOutcome.SPENT, record, user)

    async def live_sessions(self, user_id: uuid.UUID, now: datetime) -> Sequence[RefreshTokenRecord]:
        newest: dict[uuid.UUID, RefreshTokenRecord] = {}
        for record in self.tokens.values():
            live = record.revoked_at is None and record.used_at is None and record.expires_at > now
            newer = record.family_id not in newest or newest[record.family_id].issued_at < record.issued_at
            if record.user_id == user_id and live and newer:
                newest[record.family_id] = record
        return sorted(newest.values(), key=lambda r: r.started_at, reverse=True)

    async def renew_proof(
        self, user_id: uuid.UUID, family_id: uuid.UUID, proof: Proof, now: datetime
    ) -> bool:
        live = [
            key
            for key, r in self.tokens.items()
            if r.user_id == user_id
            and r.family_id == family_id
            and r.used_at is None
            and r.revoked_at is None
            and r.expires_at > now
        ]
        for key in live:
            self.tokens[key] = replace(self.tokens[key], proof=proof)
        return bool(live)

    async def end_session(self, user_id: uuid.UUID, family_id: uuid.UUID, when: datetime) -> bool:
        if not any(r.family_id == family_id for r in await self.live_sessions(user_id, when)):
            return False
        self._revoke(lambda r: r.user_id == user_id and r.family_id == family_id, when)
        return True

    async def revoke_family(self, user_id: uuid.UUID, family_id: uuid.UUID, when: datetime) -> None:
        self._revoke(lambda r: r.user_id == user_id and r.family_id == family_id, when)

    async def revoke_all_for_user(
        self, user_id: uuid.UUID, when: datetime, keep_family: uuid.UUID | None = None
    ) -> None:
        self._revoke(lambda r: r.user_id == user_id and r.family_id != keep_family, when)

    def _revoke(self, match, when: datetime) -> None:  # type: ignore[no-untyped-def]
        for key, record in list(self.tokens.items()):
            if match(record) and record.revoked_at is None:
                self.tokens[key] = replace(record, revoked_at=when)

    async def prune(self, expired_before: datetime, limit: int = 1000) -> int:
        old = sorted(
            (r for r in self.tokens.values() if r.expires_at < expired_before), key=lambda r: r.expires_at
        )[:limit]
        for record in old:
            del self.tokens[record.token_hash]
        return len(old)


class FakeOutbox:
    def __init__(
        self, rows: dict[uuid.UUID, dict[str, Any]], suppressions: Mapping[str, Suppression] | None = None
    ) -> None:
        self.rows = rows
        self.suppressions = suppressions if suppressions is not None else {}

    async def add(self, message: OutboxMessage) -> None:
        self.rows[message.id] = {
            "message": message,
            "status": "pending",
            "due": message.created_at,
            "claimed_until": None,
            "claimed_by": None,
            "error": None,
            "attempts": 0,
        }

    async def claim(
        self, limit: int, now: datetime, lease: timedelta, claimant: str
    ) -> Sequence[OutboxMessage]:
        due = sorted(
            (
                r
                for r in self.rows.values()
                if r["status"] == "pending"
                and r["due"] <= now
                and (r["claimed_until"] is None or r["claimed_until"] <= now)
            ),
            key=lambda r: r["due"],
        )[:limit]
        for row in due:
            row.update(claimed_until=now + lease, claimed_by=claimant, attempts=row["attempts"] + 1)
        # The earliest due are taken, and answered in the order they were written, as the adapter does.
        return sorted(
            (replace(r["message"], attempts=r["attempts"]) for r in due), key=lambda m: m.created_at
        )

    async def claim_noting_suppressed(
        self, limit: int, now: datetime, lease: timedelta, claimant: str
    ) -> tuple[Sequence[OutboxMessage], set[str]]:
        claimed = await self.claim(limit, now, lease, claimant)
        return claimed, {m.recipient for m in claimed if m.recipient in self.suppressions}

    def _held(self, message_ids: Sequence[uuid.UUID], claimant: str) -> list[dict[str, Any]]:
        return [
            self.rows[i]
            for i in message_ids
            if self.rows[i]["claimed_by"] == claimant and self.rows[i]["status"] == "pending"
        ]

    async def mark_sent(self, message_ids: Sequence[uuid.UUID], when: datetime, claimant: str) -> None:
        for row in self._held(message_ids, claimant):
            row.update(
                status="sent",
                claimed_until=None,
                claimed_by=None,
                sent_at=when,
                error=None,
                message=_without_body(row["message"]),
            )  # a sent message's body is not kept

    async def mark_failed(
        self, message_id: uuid.UUID, error: str, retry_at: datetime | None, claimant: str
    ) -> None:
        for row in self._held([message_id], claimant):
            row.update(error=error[:2000], claimed_until=None, claimed_by=None)
            row.update({"status": "dead"} if retry_at is None else {"due": retry_at})

    async def renew(self, message_ids: Sequence[uuid.UUID], until: datetime, claimant: str) -> set[uuid.UUID]:
        held = self._held(message_ids, claimant)
        for row in held:
            row["claimed_until"] = until
        return {row["message"].id for row in held}

    async def release(self, message_ids: Sequence[uuid.UUID], retry_at: datetime, claimant: str) -> None:
        for row in self._held(message_ids, claimant):
            row.update(claimed_until=None, claimed_by=None, due=retry_at, attempts=row["attempts"] - 1)

    async def revive(self, now: datetime, message_id: uuid.UUID | None = None) -> int:
        dead = [r for i, r in self.rows.items() if r["status"] == "dead" and message_id in (None, i)]
        for row in dead:
            row.update(status="pending", attempts=0, due=now)
        return len(dead)

    async def mark_suppressed(self, message_id: uuid.UUID, reason: str, claimant: str) -> None:
        for row in self._held([message_id], claimant):
            row.update(
                status="suppressed",
                claimed_until=None,
                claimed_by=None,
                error=reason,
                message=_without_body(row["message"]),
            )

    async def cancel_to(self, recipient: str, when: datetime) -> int:
        doomed = [
            r
            for r in self.rows.values()
            if r["message"].recipient == recipient and r["status"] in ("pending", "dead")
        ]
        for row in doomed:
            row.update(
                status="cancelled",
                claimed_until=None,
                claimed_by=None,
                due=when,
                sent_at=None,
                error="cancelled: the account was deleted",
                message=_without_body(row["message"]),
            )
        return len(doomed)

    async def prune_sent(self, sent_before: datetime, limit: int = 1000) -> int:
        old = self._oldest(
            lambda r: r["status"] == "sent" and r["due"] < sent_before and r["sent_at"] < sent_before, limit
        )
        for message_id in old:
            del self.rows[message_id]
        return len(old)

    async def prune_unsent(self, before: datetime, limit: int = 1000) -> int:
        old = self._oldest(
            lambda r: r["status"] in ("dead", "suppressed", "cancelled") and r["due"] < before, limit
        )
        for message_id in old:
            del self.rows[message_id]
        return len(old)

    def _oldest(self, match: Any, limit: int) -> list[uuid.UUID]:
        """The ids of the matching rows earliest due first, as the adapter's bounded deletes take them."""
        return [
            i
            for i, _ in sorted(
                ((i, r) for i, r in self.rows.items() if match(r)), key=lambda pair: pair[1]["due"]
            )
        ][:limit]

    async def stats(self, count_sent: bool = True) -> OutboxStats:
        by_status = [r["status"] for r in self.rows.values()]
        pending = [r["message"].created_at for r in self.rows.values() if r["status"] == "pending"]
        return OutboxStats(
            by_status.count("pending"),
            by_status.count("sent") if count_sent else 0,
            by_status.count("dead"),
            min(pending, default=None),
        )

    def messages(self, status: str | None = None) -> list[OutboxMessage]:
        return [r["message"] for r in self.rows.values() if status is None or r["status"] == status]


def _without_body(message: OutboxMessage) -> OutboxMessage:
    return replace(message, content=replace(message.content, text_body="", html_body=""))


class FakeSecurityEvents:
    def __init__(self, events: list[SecurityEvent]) -> None:
        self.events = events

    async def add(self, event: SecurityEvent) -> None:
        # cut to the columns' widths, as the table keeps them
        self.events.append(
            replace(event, ip=event.ip[:45], device=event.device[:64], detail=event.detail[:32])
        )

    async def of_account(
        self, user_id: uuid.UUID, before: EventPosition | None, limit: int
    ) -> Sequence[SecurityEvent]:
        mine = sorted(
            (
                e
                for e in self.events
                if e.user_id == user_id
                and (before is None or (e.occurred_at, e.id) < (before.occurred_at, before.id))
            ),
            key=lambda e: (e.occurred_at, e.id),
            reverse=True,
        )
        return mine[:limit]

    async def scrub(self, user_id: uuid.UUID) -> None:
        self.events[:] = [
            replace(e, ip="", device="", actor_id=None, detail="") if e.user_id == user_id else e
            for e in self.events
        ]

    async def prune(self, older_than: datetime, limit: int) -> int:
        old = sorted((e for e in self.events if e.occurred_at < older_than), key=lambda e: e.occurred_at)[
            :limit
        ]
        self.events[:] = [e for e in self.events if e not in old]
        return len(old)


class FakeSuppressions:
    def __init__(self, rows: dict[str, Suppression]) -> None:
        self.rows = rows

    async def add(self, suppression: Suppression) -> None:
        self.rows.setdefault(suppression.email, suppression)

    async def among(self, addresses: Collection[str]) -> set[str]:
        return {a for a in addresses if a in self.rows}

    async def remove(self, email: str) -> bool:
        return self.rows.pop(email, None) is not None

    async def list(self, limit: int) -> Sequence[Suppression]:
        return sorted(self.rows.values(), key=lambda s: s.created_at, reverse=True)[:limit]


class FakeBounceReceipts:
    def __init__(self, rows: dict[str, datetime]) -> None:
        self.rows = rows

    async def first_time(self, report_id: str, replayable_until: datetime) -> bool:
        if report_id in self.rows:
            return False
        self.rows[report_id] = replayable_until
        return True

    async def prune(self, before: datetime, limit: int = 1000) -> int:
        gone = sorted((until, key) for key, until in self.rows.items() if until < before)[:limit]
        for _, key in gone:
            del self.rows[key]
        return len(gone)


class FakeFactors:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def summary(self, user_id: uuid.UUID) -> FactorSummary:
        totp = self._store.totp_factors.get(user_id)
        return FactorSummary(
            totp=totp is not None and totp.confirmed,
            passkeys=sum(1 for key in self._store.passkeys.values() if key.user_id == user_id),
            recovery_codes_left=sum(
                used is None for used in self._store.recovery_codes.get(user_id, {}).values()
            ),
        )

    async def listing(self, user_id: uuid.UUID) -> Sequence[FactorListing]:
        totp = self._store.totp_factors.get(user_id)
        found = [FactorListing(Method.TOTP, "", totp.confirmed_at)] if totp and totp.confirmed_at else []
        found += [
            FactorListing(Method.PASSKEY, key.name, key.created_at, key.last_used_at)
            for key in sorted(self._store.passkeys.values(), key=lambda k: (k.created_at, k.id))
            if key.user_id == user_id
        ]
        return sorted(found, key=lambda f: f.created_at)

    async def get_totp(self, user_id: uuid.UUID) -> TotpFactor | None:
        return copy.deepcopy(self._store.totp_factors.get(user_id))

    async def put_totp(self, factor: TotpFactor) -> None:
        current = self._store.totp_factors.get(factor.user_id)
        if current is None or not current.confirmed:  # as the upsert's WHERE
            self._store.totp_factors[factor.user_id] = replace(factor, confirmed_at=None, last_step=None)

    async def confirm_totp(self, user_id: uuid.UUID, when: datetime, step: int) -> bool:
        current = self._store.totp_factors.get(user_id)
        if current is None or current.confirmed:
            return False
        current.confirmed_at, current.last_step = when, step
        return True

    async def use_totp_step(self, user_id: uuid.UUID, step: int) -> bool:
        current = self._store.totp_factors.get(user_id)
        if current is None or not current.confirmed or not current.accepts(step):
            return False
        current.last_step = step
        return True

    async def remove_totp(self, user_id: uuid.UUID) -> bool:
        return self._store.totp_factors.pop(user_id, None) is not None

    async def replace_recovery_codes(
        self, user_id: uuid.UUID, digests: Sequence[str], when: datetime
    ) -> None:
        self._store.recovery_codes[user_id] = dict.fromkeys(digests)

    async def use_recovery_code(self, user_id: uuid.UUID, digest: str, when: datetime) -> bool:
        codes = self._store.recovery_codes.get(user_id, {})
        if digest not in codes or codes[digest] is not None:
            return False
        codes[digest] = when
        return True

    async def remove_all(self, user_id: uuid.UUID) -> None:
        remove_factors(self._store, user_id)


def remove_factors(store: Store, user_id: uuid.UUID) -> None:
    """What the factor tables' ON DELETE CASCADE does when an account goes, and an administrator's reset."""
    store.totp_factors.pop(user_id, None)
    store.recovery_codes.pop(user_id, None)
    for key_id in [i for i, k in store.passkeys.items() if k.user_id == user_id]:
        del store.passkeys[key_id]


class FakePendingSignIns:
    def __init__(self, rows: dict[str, PendingSignIn]) -> None:
        self.rows = rows

    async def add(self, pending: PendingSignIn) -> None:
        self.rows[pending.token_hash] = pending

    async def hold(self, token_hash: str, now: datetime) -> PendingSignIn | None:
        found = self.rows.get(token_hash)
        return found if found is not None and found.expires_at > now else None

    async def record_failure(self, token_hash: str) -> int:
        found = self.rows.get(token_hash)
        if found is None:
            return 0
        self.rows[token_hash] = replace(found, failures=found.failures + 1)
        return found.failures + 1

    async def remove(self, token_hash: str) -> None:
        self.rows.pop(token_hash, None)

    async def prune(self, expired_before: datetime, limit: int = 1000) -> int:
        gone = sorted((p.expires_at, h) for h, p in self.rows.items() if p.expires_at < expired_before)[
            :limit
        ]
        for _, token_hash in gone:
            del self.rows[token_hash]
        return len(gone)


class FakePasskeys:
    def __init__(self, passkeys: dict[uuid.UUID, Passkey]) -> None:
        self.passkeys = passkeys

    async def add(self, passkey: Passkey) -> bool:
        if any(p.credential_id == passkey.credential_id for p in self.passkeys.values()):
            return False
        self.passkeys[passkey.id] = passkey
        return True

    async def of_account(self, user_id: uuid.UUID) -> Sequence[Passkey]:
        mine = (p for p in self.passkeys.values() if p.user_id == user_id)
        return sorted(mine, key=lambda p: (p.created_at, p.id))

    async def get(self, user_id: uuid.UUID, passkey_id: uuid.UUID) -> Passkey | None:
        found = self.passkeys.get(passkey_id)
        return found if found is not None and found.user_id == user_id else None

    async def by_credential_id(self, credential_id: bytes) -> Passkey | None:
        return next((p for p in self.passkeys.values() if p.credential_id == credential_id), None)

    async def rename(self, user_id: uuid.UUID, passkey_id: uuid.UUID, name: str) -> Passkey | None:
        if await self.get(user_id, passkey_id) is None:
            return None
        self.passkeys[passkey_id] = replace(self.passkeys[passkey_id], name=name)
        return self.passkeys[passkey_id]

    async def remove(self, user_id: uuid.UUID, passkey_id: uuid.UUID) -> Passkey | None:
        if await self.get(user_id, passkey_id) is None:
            return None
        return self.passkeys.pop(passkey_id)

    async def record_use(
        self, passkey_id: uuid.UUID, *, seen_count: int, sign_count: int, backed_up: bool, when: datetime
    ) -> bool:
        found = self.passkeys.get(passkey_id)
        if found is None or found.sign_count != seen_count:
            return False
        self.passkeys[passkey_id] = replace(
            found, sign_count=sign_count, backed_up=backed_up, last_used_at=when
        )
        return True


class FakeWebauthnChallenges:
    def __init__(self, challenges: dict[str, tuple[str, uuid.UUID | None, datetime]]) -> None:
        self.challenges = challenges

    async def add(self, challenge: WebauthnChallenge) -> None:
        self.challenges[challenge.challenge] = (
            challenge.purpose.value,
            challenge.user_id,
            challenge.expires_at,
        )

    async def take(self, challenge: str) -> WebauthnChallenge | None:
        found = self.challenges.pop(challenge, None)
        if found is None:
            return None
        purpose, user_id, expires_at = found
        return WebauthnChallenge(challenge, ChallengePurpose(purpose), user_id, expires_at)

    async def prune(self, before: datetime, limit: int = 1000) -> int:
        old = sorted((at, c) for c, (_, _, at) in self.challenges.items() if at < before)[:limit]
        for _, challenge in old:
            del self.challenges[challenge]
        return len(old)


class FakeUnitOfWork:
    """Works on a copy of the store; commit() writes the copy back, leaving without it drops it."""

    def __init__(
        self,
        store: Store | None = None,
        fail_commit: bool = False,
        *,
        limits: Limits | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.store = store or Store()
        self.fail_commit = fail_commit
        self.commits = 0
        self._limits = limits if limits is not None else LIMITS
        self._clock = clock or FakeClock()

    async def __aenter__(self) -> FakeUnitOfWork:
        self._begin()
        return self

    def _begin(self) -> None:
        self._work = copy.deepcopy(self.store)
        self.users = FakeUsers(
            self._work.users,
            suppressed=self._work.suppressions,
            refresh_tokens=self._work.refresh_tokens,
            codes=self._work.codes,
            email_requests=self._work.email_requests,
            store=self._work,
        )
        self.refresh_tokens = FakeRefreshTokens(self._work.refresh_tokens, self._work.users)
        self.outbox = FakeOutbox(self._work.outbox, self._work.suppressions)
        self.rate_limits = FakeRateLimitCounters(self._work.counters)
        self.throttle = CountingThrottle(counters=self.rate_limits, limits=self._limits, clock=self._clock)
        self.email_requests = FakeEmailRequests(self._work.email_requests)
        self.codes = FakeOneTimeCodes(self._work.codes)
        self.code_failures = FakeCodeFailures(self._work.code_failures, self._work.users)
        self.events = FakeEventOutbox(self._work.events)
        self.security_events = FakeSecurityEvents(self._work.security_events)
        self.suppressions = FakeSuppressions(self._work.suppressions)
        self.bounce_receipts = FakeBounceReceipts(self._work.bounce_receipts)
        self.webhooks = FakeWebhookSubscriptions(self._work.webhooks, self._work.webhook_deliveries)
        self.webhook_deliveries = FakeWebhookDeliveries(self._work.webhook_deliveries)
        self.factors = FakeFactors(self._work)
        self.pending_sign_ins = FakePendingSignIns(self._work.pending_sign_ins)
        self.passkeys = FakePasskeys(self._work.passkeys)
        self.webauthn_challenges = FakeWebauthnChallenges(self._work.webauthn_challenges)

    async def __aexit__(self, *exc: object) -> None:
        del self._work

    async def commit(self) -> None:
        if self.fail_commit:
            raise ConnectionError("the database went away during commit")
        self.store = self._work
        self.commits += 1
        self._begin()

    @property
    def outbox_messages(self) -> list[OutboxMessage]:
        return FakeOutbox(self.store.outbox).messages()


class FakeHasher:
    """Reversible 'hashes' with a scheme tag, so a rehash can be asked for."""

    def __init__(self, scheme: str = "fake2") -> None:
        self.scheme = scheme
        self.verifications = 0

    async def hash(self, password: str) -> str:
        return f"{self.scheme}${password}"

    async def verify(self, password_hash: str | None, password: str) -> bool:
        self.verifications += 1
        return password_hash is not None and password_hash.split("$", 1)[1] == password

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith(f"{self.scheme}$")


class FakeTokens:
    """Tokens as readable strings: purpose, issue time and claims; a wrong purpose is refused."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.issued: list[tuple[TokenPurpose, dict[str, Any], str]] = []
        self.issued_at: dict[str, datetime] = {}

    def issue(self, purpose: TokenPurpose, claims: Mapping[str, Any]) -> str:
        token = f"tok{len(self.issued)}"
        self.issued.append((purpose, dict(claims), token))
        self.issued_at[token] = self.clock.now()
        return token

    def load(self, purpose: TokenPurpose, token: str, max_age: timedelta) -> dict[str, Any]:
        found = next((entry for entry in self.issued if entry[2] == token), None)
        if found is None or found[0] is not purpose:
            raise InvalidToken()
        if self.clock.now() - self.issued_at[token] > max_age:
            raise TokenExpired()
        return dict(found[1])

    def last(self, purpose: TokenPurpose) -> str:
        return [t for p, _, t in self.issued if p is purpose][-1]


class FakeAccessTokens:
    async def issue(
        self,
        user: User,
        issued_at: datetime,
        ttl: timedelta,
        session_id: uuid.UUID | None = None,
        proof: Proof | None = None,
    ) -> str:
        amr = ",".join(proof.words()) if proof else ""
        auth_time = proof.auth_time.isoformat() if proof else ""
        # The session last: a test cuts it off to make a token that names none.
        parts = (str(user.id), issued_at.isoformat(), user.role.value, amr, auth_time, str(session_id or ""))
        return "access|" + "|".join(parts)

    async def decode(self, token: str) -> AccessClaims:
        try:
            _, user_id, issued, role, amr, auth_time, session = token.split("|")
            at = datetime.fromisoformat(issued)
            return AccessClaims(
                uuid.UUID(user_id),
                at,
                at + timedelta(minutes=15),
                role,
                True,
                uuid.UUID(session) if session else None,
                Proof.from_words(amr.split(","), datetime.fromisoformat(auth_time)) if auth_time else None,
            )
        except ValueError:
            raise NotAuthenticated() from None


class FakeRenderer:
    def render(self, template: str, values: Mapping[str, Any], locale: str | None = None) -> EmailContent:
        link, code = values.get("link") or "", values.get("code", "")
        return EmailContent(
            subject=template,
            text_body=f"{template} {link} {code}",
            html_body=f"<p>{link}</p>",
            language=locale or "en",
        )


class FakeMailSender:
    def __init__(self) -> None:
        self.sent: list[OutboxMessage] = []
        self.failures: list[DeliveryError] = []

    def fail_next(self, *errors: DeliveryError) -> None:
        self.failures.extend(errors)

    async def send(self, message: OutboxMessage) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)

    async def close(self) -> None:
        pass
