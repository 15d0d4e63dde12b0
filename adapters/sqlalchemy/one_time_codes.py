from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from adapters.sqlalchemy.storage_errors import StorageConnection
from adapters.sqlalchemy.tables import one_time_codes as codes
from domain.codes import OneTimeCode, TokenPurpose
from domain.email import Email

_FIELDS = ("id", "digest", "attempts", "created_at", "expires_at", "email", "used_at")


def _upsert(dialect: Any) -> Any:
    # Two emails for one account at once (a double click) both land: the later replaces the earlier's row
    # under its lock, where a delete and an insert would collide on the account's unique key.
    statement = dialect.insert(codes)
    return statement.on_conflict_do_update(
        index_elements=[codes.c.user_id, codes.c.purpose],
        set_={name: statement.excluded[name] for name in _FIELDS},
    )


_UPSERT = {"postgresql": _upsert(postgresql), "sqlite": _upsert(sqlite)}
# Used up or retired, a code is marked and kept until a newer email replaces it: a right use that came a
# moment late is then told from a wrong guess. Only a live one is used up: unused, not past its time, nor
# past its tries.
_SPEND = (
    update(codes)
    .where(
        codes.c.id == bindparam("code_id"),
        codes.c.used_at.is_(None),
        codes.c.expires_at > bindparam("when"),
        codes.c.attempts < bindparam("max_attempts"),
    )
    .values(used_at=bindparam("when"))
    .returning(codes.c.id)
)
# The address's older code of this purpose may be another account's (an address changing hands).
_RETIRE_OTHERS = delete(codes).where(
    codes.c.purpose == bindparam("purpose"),
    codes.c.email == bindparam("email"),
    codes.c.user_id != bindparam("user_id"),
)
_RETIRE_ALL = (
    update(codes)
    .where(codes.c.user_id == bindparam("user_id"), codes.c.used_at.is_(None))
    .values(used_at=bindparam("when"))
)
_RETIRE_OF = _RETIRE_ALL.where(codes.c.purpose.in_(bindparam("purposes", expanding=True)))
_COUNT_WRONG = (
    update(codes)
    .where(codes.c.id == bindparam("code_id"))
    .values(attempts=codes.c.attempts + bindparam("wrong"))
)


class SqlAlchemyOneTimeCodes:
    def __init__(self, connection: StorageConnection) -> None:
        self._connection = connection

    async def replace(self, code: OneTimeCode) -> None:
        purpose = code.purpose.value
        await self._connection.execute(
            _RETIRE_OTHERS, {"purpose": purpose, "email": code.email.value, "user_id": code.user_id}
        )
        await self._connection.execute(
            _UPSERT[self._connection.dialect.name],
            dict(
                id=code.id,
                user_id=code.user_id,
                purpose=purpose,
                email=code.email.value,
                digest=code.digest,
                attempts=code.attempts,
                created_at=code.created_at,
                expires_at=code.expires_at,
            ),
        )

    async def hold(
        self, email: Email, purpose: TokenPurpose, when: datetime, user_id: uuid.UUID | None = None
    ) -> OneTimeCode | None:
        # Held (FOR UPDATE; on SQLite the unit of work holds the write lock already): concurrent tries at one
        # code are judged one after the other, each on the count and use the one before it left.
        live = and_(codes.c.email == email.value, codes.c.purpose == purpose.value, codes.c.expires_at > when)
        if user_id is not None:
            live = and_(live, codes.c.user_id == user_id)
        row = (await self._connection.execute(select(codes).where(live).with_for_update())).mappings().first()
        return _to_code(row) if row else None

    async def count_wrong(self, code_id: uuid.UUID, wrong: bool) -> None:
        await self._connection.execute(_COUNT_WRONG, {"code_id": code_id, "wrong": int(wrong)})

    async def spend(self, code_id: uuid.UUID, when: datetime, max_attempts: int) -> bool:
        found = await self._connection.execute(
            _SPEND, {"code_id": code_id, "when": when, "max_attempts": max_attempts}
        )
        return found.first() is not None

    async def retire(self, user_id: uuid.UUID, when: datetime, *purposes: TokenPurpose) -> None:
        # Marked as used, not deleted: a right use that came as the code's own use retired it (a reset by code
        # retires every code) must be told from a wrong guess as well.
        if purposes:
            await self._connection.defer(
                _RETIRE_OF, {"user_id": user_id, "when": when, "purposes": [p.value for p in purposes]}
            )
        else:
            await self._connection.defer(_RETIRE_ALL, {"user_id": user_id, "when": when})


def _to_code(row: Any) -> OneTimeCode:
    return OneTimeCode(
        id=row["id"],
        user_id=row["user_id"],
        purpose=TokenPurpose(row["purpose"]),
        email=Email(row["email"]),
        digest=row["digest"],
        attempts=row["attempts"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        used_at=row["used_at"],
    )
