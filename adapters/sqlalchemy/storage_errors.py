"""Driver errors become the application's StorageError here, once, for every repository and caller."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from application.errors import StorageError, StorageNotMigrated, StorageUnavailable

# PostgreSQL's (through asyncpg) and SQLite's words for a schema that is not there.
_NOT_MIGRATED = ("UndefinedTableError", "UndefinedColumnError", "no such table", "no such column")


def storage_error(error: BaseException) -> StorageError | None:
    """The StorageError a driver's error means; None for one that is not an outage (a unique violation,
    a bug), which the caller handles or lets through."""
    if isinstance(error, (exc.IntegrityError, exc.DataError)):
        return None
    text = f"{type(getattr(error, 'orig', None)).__name__} {error}"
    if isinstance(error, exc.DBAPIError) and any(words in text for words in _NOT_MIGRATED):
        return StorageNotMigrated(_first_line(error))
    if isinstance(error, (exc.OperationalError, exc.InterfaceError, exc.TimeoutError, OSError, TimeoutError)) or (
            isinstance(error, exc.DBAPIError) and error.connection_invalidated):
        return StorageUnavailable(_first_line(error))
    return None


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


async def connect(engine: AsyncEngine) -> StorageConnection:
    return StorageConnection(await _connect(engine), engine)


async def _connect(engine: AsyncEngine) -> AsyncConnection:
    try:
        return await engine.connect()
    except (exc.DBAPIError, exc.TimeoutError, OSError, TimeoutError) as error:
        # Refused, not accepting connections yet (a restart, a failover), shutting down, timed out: away.
        raise storage_error(error) or StorageUnavailable(_first_line(error)) from error


class StorageConnection:
    """An AsyncConnection whose outages are StorageErrors; the repositories use only this.

    A pooled connection the database dropped (a restart, a failover, an idle timeout) is found dead at its
    next statement. At a transaction's first statement nothing has been done yet, so it is replaced and the
    statement sent again: a request never fails on a connection that died while it sat in the pool."""

    def __init__(self, connection: AsyncConnection, engine: AsyncEngine | None = None) -> None:
        self._connection = connection
        self._engine = engine
        self._fresh = engine is not None  # no statement sent yet
        self.dialect = connection.dialect

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        if self._fresh:
            self._fresh = False
            try:
                return await self._connection.execute(statement, parameters)
            except exc.DBAPIError as error:
                if not error.connection_invalidated or self._engine is None:
                    _reraise(error)
                    raise
            try:
                await self._connection.close()  # back to the pool, which discards it: it is invalidated
            except Exception:  # noqa: S110  (it is dead; closing it has nothing left to tell)
                pass
            self._connection = await _connect(self._engine)
        return await self._guard(self._connection.execute(statement, parameters))

    async def commit(self) -> None:
        await self._guard(self._connection.commit())

    async def rollback(self) -> None:
        await self._guard(self._connection.rollback())

    async def close(self) -> None:
        await self._guard(self._connection.close())

    async def _guard(self, work: Any) -> Any:
        try:
            return await work
        except Exception as error:
            _reraise(error)
            raise


def _reraise(error: Exception) -> None:
    translated = storage_error(error)
    if translated is not None:
        raise translated from error
