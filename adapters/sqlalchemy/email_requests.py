from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from adapters.sqlalchemy.bounded_delete import delete_batch
from adapters.sqlalchemy.storage_errors import StorageConnection
from adapters.sqlalchemy.tables import email_requests
from adapters.tracing import current_trace_context
from domain.email import Email
from domain.email_requests import EmailRequest, EmailRequestKind
from domain.trail import SessionOrigin

_INSERT = insert(email_requests)
# The worker's statements, built once: building and keying one costs more CPU than PostgreSQL spends on it.
_CLAIM = (
    select(email_requests)
    .where(email_requests.c.processed_at.is_(None))
    .order_by(email_requests.c.created_at)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_MARK_PROCESSED = (
    update(email_requests)
    .where(email_requests.c.id.in_(bindparam("ids", expanding=True)))
    .values(processed_at=bindparam("when"), client_ip=None, device=None)
)
# Claimed and marked in one statement (PostgreSQL): the origin is read from the rows as they were, since the
# mark clears it. In a CTE, which PostgreSQL runs once, so no row is locked and then left unmarked.
_TAKEN = _CLAIM.with_only_columns(
    email_requests.c.id, email_requests.c.client_ip, email_requests.c.device
).cte("taken")
_TAKE = (
    update(email_requests)
    .where(email_requests.c.id == _TAKEN.c.id)
    .values(processed_at=bindparam("when"), client_ip=None, device=None)
    .returning(
        *(c for c in email_requests.c if c.name not in ("client_ip", "device")),
        _TAKEN.c.client_ip,
        _TAKEN.c.device,
    )
)


class SqlAlchemyEmailRequests:
    def __init__(self, connection: StorageConnection) -> None:
        self._connection = connection

    async def add(self, request: EmailRequest) -> None:
        await self._connection.defer(
            _INSERT,
            dict(
                id=request.id,
                kind=request.kind.value,
                email=request.email.value,
                created_at=request.created_at,
                user_id=request.user_id,
                client_ip=request.origin.ip or None,
                device=request.origin.device or None,
                trace_context=request.trace_context or current_trace_context(),
            ),
        )

    async def claim(self, limit: int) -> Sequence[EmailRequest]:
        rows = await self._connection.execute(_CLAIM, {"limit": limit})
        return [_to_request(row) for row in rows.mappings()]

    async def mark_processed(self, request_ids: Sequence[uuid.UUID], when: datetime) -> None:
        await self._connection.execute(_MARK_PROCESSED, {"ids": list(request_ids), "when": when})

    async def take(self, limit: int, when: datetime) -> Sequence[EmailRequest]:
        if self._connection.dialect.name != "postgresql":
            # SQLite's RETURNING cannot name the FROM's rows; its unit of work holds the write lock anyway.
            taken = await self.claim(limit)
            await self.mark_processed([r.id for r in taken], when)
            return taken
        rows = await self._connection.execute(_TAKE, {"limit": limit, "when": when})
        # An UPDATE returns its rows in no particular order.
        return sorted((_to_request(row) for row in rows.mappings()), key=lambda r: r.created_at)

    async def prune(self, processed_before: datetime, limit: int = 1000) -> int:
        return await delete_batch(
            self._connection,
            email_requests,
            email_requests.c.processed_at < processed_before,
            order_by=email_requests.c.processed_at,
            limit=limit,
        )


def _to_request(row: Any) -> EmailRequest:
    return EmailRequest(
        kind=EmailRequestKind(row["kind"]),
        email=Email(row["email"]),
        created_at=row["created_at"],
        user_id=row["user_id"],
        id=row["id"],
        origin=SessionOrigin(row["client_ip"] or "", row["device"] or ""),
        trace_context=row["trace_context"] or "",
    )
