from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, bindparam, delete, exists, select
from sqlalchemy.dialects import postgresql, sqlite

from adapters.sqlalchemy.bounded_delete import delete_batch
from adapters.sqlalchemy.storage_errors import StorageConnection
from adapters.sqlalchemy.tables import code_failures as runs
from adapters.sqlalchemy.tables import users
from domain.email import Email


def _count(dialect: Any) -> Any:
    # One statement, atomic under concurrency and holding the row until commit: concurrent tries at one
    # address are counted one after the other, each seeing the run the one before left.
    amount: BindParameter[int] = bindparam("amount")
    statement = dialect.insert(runs).values(
        email=bindparam("email"), count=amount, last_failed_at=bindparam("when")
    )
    return statement.on_conflict_do_update(
        index_elements=[runs.c.email],
        set_={"count": runs.c.count + amount, "last_failed_at": bindparam("when")},
    ).returning(runs.c.count)


_COUNT = {"postgresql": _count(postgresql), "sqlite": _count(sqlite)}
_CLEAR = delete(runs).where(runs.c.email == bindparam("email"))


class SqlAlchemyCodeFailures:
    def __init__(self, connection: StorageConnection) -> None:
        self._connection = connection

    async def count(self, email: Email, when: datetime, amount: int = 1) -> int:
        found = await self._connection.execute(
            _COUNT[self._connection.dialect.name], {"email": email.value, "when": when, "amount": amount}
        )
        return found.scalar_one()

    async def clear(self, email: Email) -> None:
        await self._connection.execute(_CLEAR, {"email": email.value})

    async def prune(self, quiet_since: datetime, limit: int = 1000) -> int:
        # An account's run is kept however old: only a success ends it. An address with no account has no
        # account to protect, and its rows would otherwise grow with every address an attacker makes up.
        owned = exists(select(users.c.id).where(users.c.email == runs.c.email))
        return await delete_batch(
            self._connection,
            runs,
            runs.c.last_failed_at < quiet_since,
            ~owned,
            order_by=runs.c.last_failed_at,
            limit=limit,
        )
