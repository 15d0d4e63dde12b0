"""Every driver failure, on every path of a connection, is StorageUnavailable (a 503 with Retry-After);
what is a statement's own fault (a unique violation, a bug) is left to the caller.

The connection and the engine are fakes that raise what asyncpg and SQLAlchemy raise, at the step the test
names: a real database raises these only on a slow or dying machine, which a test cannot count on."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from sqlalchemy import exc

from adapters.sqlalchemy.storage_errors import connect, storage_error
from application.shared.errors import StorageNotMigrated, StorageUnavailable

STEPS = ["connect", "first statement", "later statement", "commit", "rollback", "close"]


class _Orig(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


def dbapi(cls: type[exc.DBAPIError], sqlstate: str = "", invalidated: bool = False) -> exc.DBAPIError:
    return cls("SELECT 1", {}, _Orig(sqlstate), connection_invalidated=invalidated)


OUTAGES = {
    "TimeoutError": lambda: TimeoutError(),  # asyncpg's command_timeout, untranslated by SQLAlchemy
    "ConnectionResetError": lambda: ConnectionResetError("reset by peer"),
    "OSError": lambda: OSError("network is unreachable"),
    "asyncpg ConnectionDoesNotExistError": lambda: asyncpg.exceptions.ConnectionDoesNotExistError(
        "connection was closed in the middle of operation"
    ),
    "asyncpg InterfaceError": lambda: asyncpg.exceptions.InterfaceError("another operation is in progress"),
    "asyncpg AdminShutdownError": lambda: asyncpg.exceptions.AdminShutdownError("terminating connection"),
    "asyncpg CannotConnectNowError": lambda: asyncpg.exceptions.CannotConnectNowError(
        "the database is starting"
    ),
    "asyncpg TooManyConnectionsError": lambda: asyncpg.exceptions.TooManyConnectionsError("too many clients"),
    "sqlalchemy pool TimeoutError": lambda: exc.TimeoutError("QueuePool limit reached"),
    "sqlalchemy ResourceClosedError": lambda: exc.ResourceClosedError("This Connection is closed"),
    "DBAPIError 57P01 (admin shutdown)": lambda: dbapi(exc.DBAPIError, "57P01"),
    "DBAPIError 25006 (read-only after a failover)": lambda: dbapi(exc.DBAPIError, "25006"),
    "InternalError XX000": lambda: dbapi(exc.InternalError, "XX000"),
    "OperationalError": lambda: dbapi(exc.OperationalError),
    "DBAPIError, connection invalidated": lambda: dbapi(exc.DBAPIError, invalidated=True),
    "StatementError around a TimeoutError": lambda: exc.StatementError(
        "timed out", "SELECT 1", {}, TimeoutError()
    ),
}


class FakeConnection:
    dialect = object()

    def __init__(self, fail_at: str, error: Exception) -> None:
        self.fail_at, self.error = fail_at, error
        self.statements = 0
        self.invalidated = False

    def _maybe_fail(self, step: str) -> None:
        if step == self.fail_at:
            raise self.error

    async def execute(self, statement: Any, parameters: Any = None) -> str:
        self.statements += 1
        self._maybe_fail("first statement" if self.statements == 1 else "later statement")
        return "done"

    async def commit(self) -> None:
        self._maybe_fail("commit")

    async def rollback(self) -> None:
        self._maybe_fail("rollback")

    async def close(self) -> None:
        self._maybe_fail("close")

    async def invalidate(self) -> None:
        self.invalidated = True


class FakeEngine:
    def __init__(self, fail_at: str, error: Exception) -> None:
        self.fail_at, self.error = fail_at, error
        self.connections: list[FakeConnection] = []

    async def connect(self) -> FakeConnection:
        if self.fail_at == "connect":
            raise self.error
        self.connections.append(FakeConnection(self.fail_at, self.error))
        return self.connections[-1]


async def a_unit_of_work(engine: FakeEngine) -> None:
    connection = await connect(engine)  # type: ignore[arg-type]
    await connection.execute("SELECT 1")
    await connection.execute("SELECT 2")
    await connection.commit()
    await connection.rollback()
    await connection.close()


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("name", list(OUTAGES))
async def test_every_driver_failure_on_every_path_is_storage_unavailable(name: str, step: str) -> None:
    engine = FakeEngine(step, OUTAGES[name]())
    with pytest.raises(StorageUnavailable):
        await a_unit_of_work(engine)
    if step in ("first statement", "later statement", "commit") and not name.endswith("invalidated"):
        # A connection cut short mid-statement does not go back to the pool for the next request.
        assert engine.connections[0].invalidated


async def test_a_connection_found_dead_at_its_first_statement_is_replaced() -> None:
    engine = FakeEngine("first statement", dbapi(exc.InterfaceError, invalidated=True))
    connection = await connect(engine)  # type: ignore[arg-type]
    engine.fail_at = "nothing"
    assert await connection.execute("SELECT 1") == "done"
    assert len(engine.connections) == 2


async def test_a_timeout_at_the_first_statement_is_not_sent_again() -> None:
    # The request has spent its time already: a second try would double the wait past DATABASE_TIMEOUT.
    engine = FakeEngine("first statement", TimeoutError())
    with pytest.raises(StorageUnavailable):
        await (await connect(engine)).execute("SELECT 1")  # type: ignore[arg-type]
    assert len(engine.connections) == 1


@pytest.mark.parametrize(
    "error",
    [
        dbapi(exc.IntegrityError, "23505"),
        dbapi(exc.DataError, "22P02"),
        dbapi(exc.ProgrammingError, "42601"),
        dbapi(exc.DBAPIError, "22003"),
        ValueError("a bug of ours"),
        exc.ArgumentError("a bug of ours"),
    ],
)
def test_a_statements_own_fault_is_left_to_the_caller(error: Exception) -> None:
    assert storage_error(error) is None


def test_a_missing_table_says_migrate() -> None:
    error = exc.ProgrammingError(
        "SELECT 1", {}, Exception('UndefinedTableError: relation "users" does not exist')
    )
    assert isinstance(storage_error(error), StorageNotMigrated)
