"""Deleting old rows a batch at a time: a bounded DELETE, oldest first along an index, skipping rows another
transaction holds, so no prune takes a long lock, waits on a worker, or runs a long transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Delete, Table, delete, select, tuple_


def oldest_first(table: Table, *conditions: ColumnElement[bool], order_by: Any, limit: int) -> Delete:
    key = list(table.primary_key.columns)
    doomed = select(*key).where(*conditions).order_by(order_by).limit(limit).with_for_update(skip_locked=True)
    if len(key) == 1:
        return delete(table).where(key[0].in_(doomed.scalar_subquery()))
    return delete(table).where(tuple_(*key).in_(doomed))
