from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from adapters.sqlalchemy.storage_errors import StorageConnection
from adapters.sqlalchemy.tables import users
from domain.email import Email
from domain.errors import UserAlreadyExists
from domain.user import Role, User

# Built once, the values coming as parameters: a statement built per call costs more than it runs.
_INSERT = insert(users)
_UPDATE = update(users).where(users.c.id == bindparam("user_id"))
_BY_ID = select(users).where(users.c.id == bindparam("user_id"))
_BY_ID_FOR_UPDATE = _BY_ID.with_for_update()
_BY_EMAIL = select(users).where(users.c.email == bindparam("email"))


class SqlAlchemyUserRepository:
    def __init__(self, connection: StorageConnection) -> None:
        self._connection = connection

    async def get(self, user_id: uuid.UUID, *, for_update: bool = False) -> User | None:
        query = _BY_ID_FOR_UPDATE if for_update else _BY_ID
        row = (await self._connection.execute(query, {"user_id": user_id})).mappings().first()
        return user_from_row(row) if row else None

    async def get_by_email(self, email: Email) -> User | None:
        row = (await self._connection.execute(_BY_EMAIL, {"email": email.value})).mappings().first()
        return user_from_row(row) if row else None

    async def add(self, user: User) -> None:
        await self._execute_unique(_INSERT, _to_row(user))

    async def save(self, user: User) -> None:
        row = _to_row(user)
        row["user_id"] = row.pop("id")  # the WHERE's; the id itself is never set
        await self._execute_unique(_UPDATE, row)

    async def _execute_unique(self, statement: Any, row: dict[str, Any]) -> None:
        try:
            await self._connection.execute(statement, row)
        except IntegrityError as error:
            # The transaction is spoilt either way; the unit of work rolls it back.
            if _violates_unique_email(error):
                raise UserAlreadyExists() from None
            raise

    async def list(self, offset: int, limit: int) -> Sequence[User]:
        query = select(users).order_by(users.c.created_at, users.c.id).offset(offset).limit(limit)
        return [user_from_row(row) for row in (await self._connection.execute(query)).mappings()]

    async def count(self) -> int:
        return (await self._connection.execute(select(func.count()).select_from(users))).scalar_one()


def _violates_unique_email(error: IntegrityError) -> bool:
    # asyncpg names the constraint; SQLite only says "UNIQUE constraint failed: users.email".
    constraint = getattr(error.orig.__cause__, "constraint_name", None) if error.orig else None
    return constraint == "uq_users_email" or "UNIQUE constraint failed: users.email" in str(error.orig)


def _to_row(user: User) -> dict[str, Any]:
    return {"id": user.id, "email": user.email.value, "password_hash": user.password_hash,
            "username": user.username, "first_name": user.first_name, "last_name": user.last_name,
            "role": user.role.value, "is_verified": user.is_verified, "created_at": user.created_at,
            "password_changed_at": user.password_changed_at, "reset_nonce": user.reset_nonce}


def user_from_row(row: Any) -> User:
    # The stored address is already normal; it is trusted as it is rather than parsed again.
    return User(id=row["id"], email=Email(row["email"]), password_hash=row["password_hash"],
                username=row["username"], first_name=row["first_name"], last_name=row["last_name"],
                role=Role(row["role"]), is_verified=row["is_verified"], created_at=row["created_at"],
                password_changed_at=row["password_changed_at"], reset_nonce=row["reset_nonce"])
