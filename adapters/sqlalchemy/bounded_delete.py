"""Deleting rows a bounded batch at a time: the oldest first along an index, skipping rows another
transaction holds, so no prune takes a long lock, waits on a worker, or runs a long transaction.

The rows are picked (and locked) first, then deleted by their keys: `DELETE ... WHERE id IN (SELECT ...)`
lets PostgreSQL join the whole table to the batch, a sequential scan, where a list of keys is looked up
in the primary key."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table, delete, select, tuple_

from adapters.sqlalchemy.storage_errors import StorageConnection


async def delete_batch(
    connection: StorageConnection,
    table: Table,
    *conditions: ColumnElement[bool],
    order_by: Any = None,
    limit: int | None = None,
) -> int:
    """Deletes the rows that meet `conditions` and no other transaction holds, at most `limit` of them,
    first by `order_by`; how many went."""
    key = list(table.primary_key.columns)
    pick = select(*key).where(*conditions).with_for_update(skip_locked=True)
    if order_by is not None:
        pick = pick.order_by(order_by)
    if limit is not None:
        pick = pick.limit(limit)
    picked = (await connection.execute(pick)).all()
    if not picked:
        return 0
    chosen = (
        key[0].in_([row[0] for row in picked])
        if len(key) == 1
        else tuple_(*key).in_([tuple(row) for row in picked])
    )
    return (await connection.execute(delete(table).where(chosen))).rowcount
