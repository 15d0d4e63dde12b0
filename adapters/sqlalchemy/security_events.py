from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, tuple_, update

from adapters.sqlalchemy.bounded_delete import delete_batch
from adapters.sqlalchemy.storage_errors import StorageConnection
from adapters.sqlalchemy.tables import security_events as table
from domain.trail import EventPosition, SecurityEvent, SecurityEventType

_INSERT = insert(table)


class SqlAlchemySecurityEvents:
    def __init__(self, connection: StorageConnection) -> None:
        self._connection = connection

    async def add(self, event: SecurityEvent) -> None:
        await self._connection.defer(
            _INSERT,
            dict(
                id=event.id,
                user_id=event.user_id,
                type=event.type.value,
                occurred_at=event.occurred_at,
                client_ip=event.ip[:45] or None,
                device=event.device[:64] or None,
                actor_id=event.actor_id,
                detail=event.detail[:32] or None,
            ),
        )

    async def of_account(
        self, user_id: uuid.UUID, before: EventPosition | None, limit: int
    ) -> Sequence[SecurityEvent]:
        # Served by (user_id, occurred_at, id), read backwards: a page deep in the trail costs what the first
        # does.
        query = (
            select(table)
            .where(table.c.user_id == user_id)
            .order_by(table.c.occurred_at.desc(), table.c.id.desc())
            .limit(limit)
        )
        if before is not None:
            query = query.where(
                tuple_(table.c.occurred_at, table.c.id) < tuple_(before.occurred_at, before.id)
            )
        return [_event(row) for row in (await self._connection.execute(query)).mappings()]

    async def scrub(self, user_id: uuid.UUID) -> None:
        await self._connection.execute(
            update(table)
            .where(table.c.user_id == user_id)
            .values(client_ip=None, device=None, actor_id=None, detail=None)
        )

    async def prune(self, older_than: datetime, limit: int) -> int:
        return await delete_batch(
            self._connection,
            table,
            table.c.occurred_at < older_than,
            order_by=table.c.occurred_at,
            limit=limit,
        )


def _event(row: Any) -> SecurityEvent:
    return SecurityEvent(
        type=SecurityEventType(row["type"]),
        user_id=row["user_id"],
        occurred_at=row["occurred_at"],
        ip=row["client_ip"] or "",
        device=row["device"] or "",
        actor_id=row["actor_id"],
        detail=row["detail"] or "",
        id=row["id"],
    )
