from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def create_engine(
    url: str, pool_size: int = 20, max_overflow: int = 0, timeout: float | None = None
) -> AsyncEngine:
    """An async engine for PostgreSQL (asyncpg) or SQLite (aiosqlite); creating it opens no connection.
    `timeout`: the most a connection, a pooled connection or a statement may take (PostgreSQL); none for
    migrations, whose index builds may take long."""
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    # No pre-ping: it would cost a round trip per checkout. A connection found dead at a transaction's
    # first statement is replaced and the statement sent again (storage_errors.StorageConnection), and
    # SQLAlchemy replaces the rest of the pool.
    # hide_parameters: an error logged with its SQL must not carry a hash, a token or an email's link.
    bounded: dict[str, Any] = (
        {}
        if timeout is None
        else {"pool_timeout": timeout, "connect_args": {"timeout": timeout, "command_timeout": timeout}}
    )
    return create_async_engine(
        url, pool_size=pool_size, max_overflow=max_overflow, hide_parameters=True, **bounded
    )


def one_statement_at_a_time(engine: AsyncEngine) -> AsyncEngine:
    """The same engine and pool, each statement its own transaction, for units of work that send one read:
    without the BEGIN and ROLLBACK around it, such a read is one round trip instead of three. Not for
    SQLite, whose BEGIN (above) is what orders its units of work."""
    if engine.dialect.name == "sqlite":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def backend_of(url: str) -> str:
    """The database a URL names ('postgresql', 'sqlite', ...); ValueError if it is no database URL."""
    try:
        return make_url(url).get_backend_name()
    except ArgumentError:
        raise ValueError(url) from None


def password_of(url: str) -> str | None:
    return make_url(url).password


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver would open transactions only at the first write, leaving earlier reads outside them;
    # taking over BEGIN (below) makes each unit of work one transaction from its first read.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while one writer writes; the foreign keys are off in SQLite unless asked.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # SQLite has no SELECT ... FOR UPDATE. Taking the write lock at BEGIN serialises read-modify-write
    # units of work, as row locks do on PostgreSQL; the embedded database trades concurrency for that.
    connection.exec_driver_sql("BEGIN IMMEDIATE")
