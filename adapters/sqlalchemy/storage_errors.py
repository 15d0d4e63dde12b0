"""Driver errors become the application's StorageError here, once, for every repository and caller; and the
writes a repository defers are sent together."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BindParameter, Delete, Insert, Update, bindparam, exc, literal_column, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import visitors

from application.shared.errors import StorageError, StorageNotMigrated, StorageUnavailable

# PostgreSQL's (through asyncpg) and SQLite's words for a schema that is not there.
_NOT_MIGRATED = ("UndefinedTableError", "UndefinedColumnError", "no such table", "no such column")
# SQLSTATE classes that say the statement itself was wrong (bad data, a constraint, SQL that does not fit the
# schema, a feature missing): a bug or a case the caller handles, the same on every try. Every other class
# is the server's state (08 connection, 25 read-only after a failover, 40 deadlock, 53 resources, 57 shutting
# down or cancelled, 58 and XX the system's): worth trying again shortly.
_STATEMENT_FAULTS = ("22", "23", "42", "0A", "2B", "2F", "44")
# Packages whose own exceptions may come through SQLAlchemy untranslated: asyncpg's (its InterfaceError,
# ConnectionDoesNotExistError, a PostgresError at connect) and the SQLite drivers'.
_DRIVERS = ("asyncpg", "aiosqlite", "sqlite3")
# Besides the DBAPI's errors, what a driver raises when the database is away, cut off or too slow: a socket's
# error, a timeout (asyncpg's command_timeout raises the builtin TimeoutError, which SQLAlchemy neither
# translates nor wraps), the pool's timeout, a connection found closed.
_OUTAGES = (
    OSError,
    TimeoutError,
    EOFError,
    exc.TimeoutError,
    exc.DisconnectionError,
    exc.ResourceClosedError,
)


def storage_error(error: BaseException) -> StorageError | None:
    """The StorageError a driver's error means; None for one that is not an outage (a unique violation,
    a bug), which the caller handles or lets through."""
    if isinstance(error, (exc.IntegrityError, exc.DataError)):
        return None
    text = f"{type(getattr(error, 'orig', None)).__name__} {error}"
    if isinstance(error, exc.DBAPIError) and any(words in text for words in _NOT_MIGRATED):
        return StorageNotMigrated(_first_line(error))
    if _is_outage(error):
        return StorageUnavailable(_first_line(error))
    return None


def _is_outage(error: BaseException) -> bool:
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated or isinstance(error, (exc.OperationalError, exc.InterfaceError)):
            return True
        return not _sqlstate(error).startswith(_STATEMENT_FAULTS) and not isinstance(
            error, (exc.ProgrammingError, exc.NotSupportedError)
        )
    if isinstance(error, exc.StatementError) and error.orig is not None:
        return _is_outage(error.orig)  # raised by the driver before SQLAlchemy had the statement's context
    return isinstance(error, _OUTAGES) or type(error).__module__.split(".")[0] in _DRIVERS


def _sqlstate(error: exc.DBAPIError) -> str:
    for candidate in (error.orig, getattr(error.orig, "__cause__", None)):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(code, str):
            return code
    return ""


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


async def connect(engine: AsyncEngine) -> StorageConnection:
    return StorageConnection(await _connect(engine), engine)


async def _connect(engine: AsyncEngine) -> AsyncConnection:
    try:
        return await engine.connect()
    except Exception as error:
        # Refused, not accepting connections yet (a restart, a failover), shutting down, timed out: away.
        # Whatever the driver said, no connection means no database.
        raise storage_error(error) or StorageUnavailable(_first_line(error)) from error


class StorageConnection:
    """An AsyncConnection whose outages are StorageErrors, on every path (statement, commit, rollback,
    close); the repositories use only this.

    A pooled connection the database dropped (a restart, a failover, an idle timeout) is found dead at its
    next statement. At a transaction's first statement nothing has been done yet, so it is replaced and the
    statement sent again: a request never fails on a connection that died while it sat in the pool.

    A write whose result nobody reads (an event, a trail entry, a token stored) may be deferred: it is sent
    just before the next statement, or before commit, so every statement still runs in the order it was
    written and sees the ones before it. Deferred writes in a row go together: on PostgreSQL as one
    statement (a data-modifying WITH), one round trip where each took one. Each write is a statement built
    once and its parameters, so a deferred write costs no more CPU to build than one sent at once."""

    def __init__(self, connection: AsyncConnection, engine: AsyncEngine | None = None) -> None:
        self._connection = connection
        self._engine = engine
        self._fresh = engine is not None  # no statement sent yet
        self._deferred: list[tuple[Insert | Update | Delete, dict[str, Any]]] = []
        self.dialect = connection.dialect

    async def defer(self, statement: Insert | Update | Delete, parameters: dict[str, Any]) -> None:
        """Sends `statement` with `parameters` with the next statement or the commit; a failure of it is
        raised there, and spoils the transaction as it would have at once. `statement` is built once (a
        module's constant): a bare `insert(table)`, its values the parameters by column name, or an update
        or a delete whose values are `bindparam`s named as the parameters."""
        # The parts of one WITH run on one snapshot, in no set order, and do not see each other's rows: only
        # new rows are batched with writes to the same table; an update or a delete goes with no other
        # write to its table. So an insert deferred adds rows (no ON CONFLICT: that could meet another
        # part's row).
        if any(_touch_the_same_rows(statement, earlier) for earlier, _ in self._deferred):
            await self._flush()
        self._deferred.append((statement, parameters))

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        await self._flush()
        return await self._send(statement, parameters)

    async def _flush(self) -> None:
        batch, self._deferred = self._deferred, []
        if not batch:
            return
        if len(batch) > 1 and self.dialect.name == "postgresql":
            shape = tuple((write, tuple(parameters)) for write, parameters in batch)
            together = {
                f"d{index}_{name}": value
                for index, (_, parameters) in enumerate(batch)
                for name, value in parameters.items()
            }
            await self._send(_as_one(shape), together)
            return
        for write, parameters in batch:  # SQLite is embedded: a statement costs no round trip there
            await self._send(_bound(write, tuple(parameters), 0), _named(parameters, 0))

    async def _send(self, statement: Any, parameters: Any = None) -> Any:
        if self._fresh:
            self._fresh = False
            try:
                return await self._connection.execute(statement, parameters)
            except Exception as error:
                if not _found_dead(error) or self._engine is None:
                    await self._translate(error)
                    raise
                await self._discard(error)
            self._connection = await _connect(self._engine)
        return await self._guard(self._connection.execute(statement, parameters))

    async def commit(self) -> None:
        await self._flush()
        await self._guard(self._connection.commit())

    async def rollback(self) -> None:
        self._deferred.clear()
        await self._guard(self._connection.rollback())

    async def close(self) -> None:
        self._deferred.clear()
        await self._guard(self._connection.close())

    async def _guard(self, work: Any) -> Any:
        try:
            return await work
        except Exception as error:
            await self._translate(error)
            raise

    async def _translate(self, error: Exception) -> None:
        translated = storage_error(error)
        if translated is None:
            return
        if isinstance(translated, StorageUnavailable) and not _invalidated(error):
            # A statement cut short by a timeout or a broken socket leaves the connection mid-protocol
            # (asyncpg then answers "another operation is in progress"): it must not go back to the pool.
            await self._invalidate()
        raise translated from error

    async def _invalidate(self) -> None:
        try:
            await self._connection.invalidate()
        except Exception:  # noqa: S110  (it is broken already; the pool has let it go either way)
            pass

    async def _discard(self, error: Exception) -> None:
        if not _invalidated(error):
            await self._invalidate()
        try:
            await self._connection.close()  # back to the pool, which discards it: it is invalidated
        except Exception:  # noqa: S110  (it is dead; closing it has nothing left to tell)
            pass


# What deferred writes are sent as, built once for each shape (statements, their parameters' names): the
# shapes are the few module constants the repositories defer, so this stays small.
_BUILT: dict[Any, Any] = {}


def _named(parameters: dict[str, Any], index: int) -> dict[str, Any]:
    return {f"d{index}_{name}": value for name, value in parameters.items()}


def _bound(write: Insert | Update | Delete, names: tuple[str, ...], index: int) -> Any:
    """`write` with its parameters named `d<index>_<name>`, as many writes can share one statement."""
    key = (write, names, index)
    if key not in _BUILT:
        if isinstance(write, Insert):  # a bare insert(table)
            columns = write.table.c  # type: ignore[attr-defined]
            _BUILT[key] = write.values(
                {name: bindparam(f"d{index}_{name}", type_=columns[name].type) for name in names}
            )
        else:

            def renamed(element: Any) -> Any:
                if isinstance(element, BindParameter) and element.key in names:
                    return bindparam(
                        f"d{index}_{element.key}", type_=element.type, expanding=element.expanding
                    )
                return None

            no_options: dict[str, Any] = {}
            _BUILT[key] = visitors.replacement_traverse(write, no_options, renamed)  # type: ignore[call-overload]
    return _BUILT[key]


def _as_one(shape: tuple[tuple[Insert | Update | Delete, tuple[str, ...]], ...]) -> Any:
    if shape not in _BUILT:
        parts = [
            _bound(write, names, index).cte(f"deferred_{index}") for index, (write, names) in enumerate(shape)
        ]
        _BUILT[shape] = select(literal_column("1")).add_cte(*parts)
    return _BUILT[shape]


def _touch_the_same_rows(write: Insert | Update | Delete, earlier: Insert | Update | Delete) -> bool:
    return write.table is earlier.table and not (isinstance(write, Insert) and isinstance(earlier, Insert))


def _invalidated(error: BaseException) -> bool:
    return isinstance(error, exc.DBAPIError) and error.connection_invalidated


def _found_dead(error: BaseException) -> bool:
    """A connection that had died before its first statement: SQLAlchemy saw the disconnect, or the socket
    broke under the driver. Not a timeout: that one has spent the request's time already."""
    return _invalidated(error) or isinstance(error, ConnectionError)
