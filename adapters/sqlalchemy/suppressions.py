from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from adapters.sqlalchemy.bounded_delete import delete_batch
from adapters.sqlalchemy.storage_errors import StorageConnection
from adapters.sqlalchemy.tables import bounce_receipts as receipts
from adapters.sqlalchemy.tables import suppressions as table
from domain.suppressions import Suppression, SuppressionSource

# GET /me asks at each call: built once, as every hot statement is, the addresses passed as a parameter.
_AMONG = select(table.c.email).where(table.c.email.in_(bindparam("emails", expanding=True)))
_ADD = {
    name: dialect.insert(table).on_conflict_do_nothing(index_elements=[table.c.email])
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_RECEIVE = {
    name: dialect.insert(receipts).on_conflict_do_nothing(index_elements=[receipts.c.report_id])
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


class SqlAlchemySuppressions:
    def __init__(self, connection: StorageConnection) -> None:
        self._connection = connection

    async def add(self, suppression: Suppression) -> None:
        await self._connection.execute(
            _ADD[self._connection.dialect.name],
            dict(
                email=suppression.email,
                source=suppression.source.value,
                reason=suppression.reason,
                created_at=suppression.created_at,
            ),
        )

    async def among(self, addresses: Collection[str]) -> set[str]:
        return set((await self._connection.execute(_AMONG, {"emails": list(addresses)})).scalars())

    async def remove(self, email: str) -> bool:
        return (await self._connection.execute(delete(table).where(table.c.email == email))).rowcount > 0

    async def list(self, limit: int) -> Sequence[Suppression]:
        query = select(table).order_by(table.c.created_at.desc()).limit(limit)
        return [
            Suppression(
                email=r["email"],
                source=SuppressionSource(r["source"]),
                reason=r["reason"],
                created_at=r["created_at"],
            )
            for r in (await self._connection.execute(query)).mappings()
        ]


class SqlAlchemyBounceReceipts:
    def __init__(self, connection: StorageConnection) -> None:
        self._connection = connection

    async def first_time(self, report_id: str, replayable_until: datetime) -> bool:
        # On the primary key: a second instance inserting the same id at once waits for the first's commit,
        # then inserts nothing. Only one of them acts on the report.
        inserted = await self._connection.execute(
            _RECEIVE[self._connection.dialect.name],
            dict(report_id=report_id, replayable_until=replayable_until),
        )
        return inserted.rowcount == 1

    async def prune(self, before: datetime, limit: int = 1000) -> int:
        return await delete_batch(
            self._connection,
            receipts,
            receipts.c.replayable_until < before,
            order_by=receipts.c.replayable_until,
            limit=limit,
        )
