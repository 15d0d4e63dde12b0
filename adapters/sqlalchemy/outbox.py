from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, exists, func, insert, or_, select, update

from adapters.sqlalchemy.bounded_delete import delete_batch
from adapters.sqlalchemy.storage_errors import StorageConnection
from adapters.sqlalchemy.tables import outbox_messages as outbox
from adapters.sqlalchemy.tables import suppressions
from adapters.tracing import current_trace_context
from domain.mail import EmailContent, OutboxMessage, OutboxStats

PENDING, SENT, DEAD, CANCELLED, SUPPRESSED = "pending", "sent", "dead", "cancelled", "suppressed"

_INSERT = insert(outbox)
# The worker's statements, built once: building and keying one costs more CPU than PostgreSQL spends on it.
_DUE = (
    select(outbox.c.id)
    .where(
        outbox.c.status == PENDING,
        outbox.c.next_attempt_at <= bindparam("now"),
        or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until <= bindparam("now")),
    )
    .order_by(outbox.c.next_attempt_at)
    .limit(bindparam("limit"))
    # Several workers on PostgreSQL each take rows no other holds; SQLite ignores this and runs one.
    .with_for_update(skip_locked=True)
)
_CLAIM = (
    update(outbox)
    .where(outbox.c.id.in_(_DUE.scalar_subquery()))
    .values(
        claimed_until=bindparam("until"), claimed_by=bindparam("claimant"), attempts=outbox.c.attempts + 1
    )
    .returning(*outbox.c)
)
# The claim, with whether each recipient is on the suppression list: read on the claim's snapshot, as a
# separate read right after it in the same transaction would, for one round trip fewer.
_CLAIM_NOTING_SUPPRESSED = _CLAIM.returning(
    exists().where(suppressions.c.email == outbox.c.recipient).correlate(outbox).label("recipient_suppressed")
)
# Only the worker holding the claim may settle a message: one whose claim lapsed and passed to another
# worker is that worker's now.
_HELD = (
    outbox.c.id.in_(bindparam("ids", expanding=True)),
    outbox.c.claimed_by == bindparam("claimant"),
    outbox.c.status == PENDING,
)
_MARK_SENT = (
    update(outbox)
    .where(*_HELD)
    .values(
        status=SENT,
        sent_at=bindparam("when"),
        claimed_until=None,
        claimed_by=None,
        last_error=None,
        text_body=None,
        html_body=None,
    )
)
_RENEW = update(outbox).where(*_HELD).values(claimed_until=bindparam("until")).returning(outbox.c.id)


class SqlAlchemyOutbox:
    def __init__(self, connection: StorageConnection) -> None:
        self._connection = connection

    async def add(self, message: OutboxMessage) -> None:
        content = message.content
        await self._connection.execute(
            _INSERT,
            dict(
                id=message.id,
                message_id=message.message_id,
                recipient=message.recipient,
                subject=content.subject,
                text_body=content.text_body,
                html_body=content.html_body,
                status=PENDING,
                attempts=0,
                next_attempt_at=message.created_at,
                created_at=message.created_at,
                expires_at=message.expires_at,
                language=content.language,
                trace_context=message.trace_context or current_trace_context(),
            ),
        )

    async def claim(
        self, limit: int, now: datetime, lease: timedelta, claimant: str
    ) -> Sequence[OutboxMessage]:
        claimed = await self._connection.execute(
            _CLAIM, {"now": now, "limit": limit, "until": now + lease, "claimant": claimant}
        )
        return sorted((_to_message(row) for row in claimed.mappings()), key=lambda m: m.created_at)

    async def claim_noting_suppressed(
        self, limit: int, now: datetime, lease: timedelta, claimant: str
    ) -> tuple[Sequence[OutboxMessage], set[str]]:
        claimed = await self._connection.execute(
            _CLAIM_NOTING_SUPPRESSED, {"now": now, "limit": limit, "until": now + lease, "claimant": claimant}
        )
        rows = claimed.mappings().all()
        messages = sorted((_to_message(row) for row in rows), key=lambda m: m.created_at)
        return messages, {row["recipient"] for row in rows if row["recipient_suppressed"]}

    async def mark_sent(self, message_ids: Sequence[uuid.UUID], when: datetime, claimant: str) -> None:
        await self._connection.execute(
            _MARK_SENT, {"ids": list(message_ids), "when": when, "claimant": claimant}
        )

    async def mark_failed(
        self, message_id: uuid.UUID, error: str, retry_at: datetime | None, claimant: str
    ) -> None:
        values: dict[str, Any] = {"last_error": error[:2000], "claimed_until": None, "claimed_by": None}
        values.update({"status": DEAD} if retry_at is None else {"next_attempt_at": retry_at})
        await self._connection.execute(update(outbox).where(*_held([message_id], claimant)).values(**values))

    async def renew(self, message_ids: Sequence[uuid.UUID], until: datetime, claimant: str) -> set[uuid.UUID]:
        renewed = await self._connection.execute(
            _RENEW, {"ids": list(message_ids), "until": until, "claimant": claimant}
        )
        return set(renewed.scalars())

    async def release(self, message_ids: Sequence[uuid.UUID], retry_at: datetime, claimant: str) -> None:
        await self._connection.execute(
            update(outbox)
            .where(*_held(message_ids, claimant))
            .values(
                claimed_until=None, claimed_by=None, next_attempt_at=retry_at, attempts=outbox.c.attempts - 1
            )
        )

    async def revive(self, now: datetime, message_id: uuid.UUID | None = None) -> int:
        query = update(outbox).where(outbox.c.status == DEAD)
        if message_id is not None:
            query = query.where(outbox.c.id == message_id)
        # The count starts again, so a revived message gets every retry once more.
        result = await self._connection.execute(query.values(status=PENDING, attempts=0, next_attempt_at=now))
        return result.rowcount

    async def prune_sent(self, sent_before: datetime, limit: int = 1000) -> int:
        # Along the (status, next_attempt_at) index: a message is due before it is sent.
        return await delete_batch(
            self._connection,
            outbox,
            outbox.c.status == SENT,
            outbox.c.next_attempt_at < sent_before,
            outbox.c.sent_at < sent_before,
            order_by=outbox.c.next_attempt_at,
            limit=limit,
        )

    async def prune_unsent(self, before: datetime, limit: int = 1000) -> int:
        return await delete_batch(
            self._connection,
            outbox,
            outbox.c.status.in_([DEAD, SUPPRESSED, CANCELLED]),
            outbox.c.next_attempt_at < before,
            order_by=outbox.c.next_attempt_at,
            limit=limit,
        )

    async def mark_suppressed(self, message_id: uuid.UUID, reason: str, claimant: str) -> None:
        await self._connection.execute(
            update(outbox)
            .where(*_held([message_id], claimant))
            .values(
                status=SUPPRESSED,
                text_body=None,
                html_body=None,
                claimed_until=None,
                claimed_by=None,
                last_error=reason,
            )
        )

    async def cancel_to(self, recipient: str, when: datetime) -> int:
        result = await self._connection.execute(
            update(outbox)
            .where(outbox.c.recipient == recipient, outbox.c.status.in_([PENDING, DEAD]))
            .values(
                status=CANCELLED,
                text_body=None,
                html_body=None,
                claimed_until=None,
                claimed_by=None,
                last_error="cancelled: the account was deleted",
                sent_at=None,
                next_attempt_at=when,
            )
        )
        return result.rowcount

    async def stats(self, count_sent: bool = True) -> OutboxStats:
        # Sent rows pile up for as long as they are kept; a frequent caller (a health probe) skips them.
        states = [PENDING, DEAD, SENT] if count_sent else [PENDING, DEAD]
        counts = dict(
            (
                await self._connection.execute(
                    select(outbox.c.status, func.count())
                    .where(outbox.c.status.in_(states))
                    .group_by(outbox.c.status)
                )
            ).all()
        )
        oldest = (
            await self._connection.execute(
                select(func.min(outbox.c.created_at)).where(outbox.c.status == PENDING)
            )
        ).scalar_one()
        return OutboxStats(
            pending=counts.get(PENDING, 0),
            sent=counts.get(SENT, 0),
            dead=counts.get(DEAD, 0),
            oldest_pending_created_at=oldest,
        )


def _held(message_ids: Sequence[uuid.UUID], claimant: str) -> tuple[Any, ...]:
    # As _HELD, for the rarer statements built where they are used.
    return outbox.c.id.in_(message_ids), outbox.c.claimed_by == claimant, outbox.c.status == PENDING


def _to_message(row: Any) -> OutboxMessage:
    return OutboxMessage(
        id=row["id"],
        message_id=row["message_id"],
        recipient=row["recipient"],
        created_at=row["created_at"],
        attempts=row["attempts"],
        expires_at=row["expires_at"],
        trace_context=row["trace_context"] or "",
        content=EmailContent(
            subject=row["subject"],
            text_body=row["text_body"] or "",
            html_body=row["html_body"] or "",
            language=row["language"] or "en",
        ),
    )
