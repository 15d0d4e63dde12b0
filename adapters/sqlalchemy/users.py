from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from adapters.sqlalchemy.bounded_delete import delete_batch
from adapters.sqlalchemy.storage_errors import StorageConnection
from adapters.sqlalchemy.tables import SEARCHED_NAMES, email_requests, refresh_tokens, suppressions, users
from domain.email import Email
from domain.errors import UserAlreadyExists
from domain.user import BearerAccount, Role, User, UserFilter, UserPosition

# Statements are built once, in every repository, the values coming as parameters: a statement built per
# call costs more than it runs.
_INSERT = insert(users)
_INSERT_UNLESS_TAKEN = {
    name: dialect.insert(users).on_conflict_do_nothing(index_elements=[users.c.email]).returning(users.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_UPDATE = update(users).where(users.c.id == bindparam("user_id"))
_BY_ID = select(users).where(users.c.id == bindparam("user_id"))
# User.verify_email's rule as one conditional update: it locks the row as the read-for-change would, and the
# verification sends one statement where a locking read and an update of every column took two.
_MARK_VERIFIED = (
    update(users)
    .where(
        users.c.id == bindparam("user_id"),
        users.c.email == bindparam("address"),
        users.c.is_verified.is_(False),
    )
    .values(is_verified=True)
    .returning(*users.c)
)
# Every bearer's request, in the same statement as its account: whether the access token's session is live.
# A session is live while its newest refresh token is neither revoked nor expired: every way one ends (a
# logout, ending it in the list, logout-all, an administrator's revocation, a reset, a reuse caught)
# revokes all its tokens, and one past its end holds expired tokens only. The newest, not "any live one":
# read backwards along ix_refresh_tokens_session it is one index entry and its row, however many times the
# session was refreshed (an EXISTS would walk the session's spent tokens, oldest first, to find it).
_SESSION_LIVE = func.coalesce(
    select(and_(refresh_tokens.c.revoked_at.is_(None), refresh_tokens.c.expires_at > bindparam("now")))
    .where(refresh_tokens.c.user_id == users.c.id, refresh_tokens.c.family_id == bindparam("session_id"))
    .order_by(refresh_tokens.c.issued_at.desc())
    .limit(1)
    .scalar_subquery(),
    False,
).label("session_live")
_FOR_BEARER = select(users, _SESSION_LIVE).where(users.c.id == bindparam("user_id"))
# The suppression list's primary key answers the EXISTS within the same statement (GET /me's at each call).
_SUPPRESSED = exists().where(suppressions.c.email == users.c.email).label("suppressed")
_BY_ID_WITH_SUPPRESSION = select(users, _SUPPRESSED).where(users.c.id == bindparam("user_id"))
_FOR_BEARER_WITH_SUPPRESSION = select(users, _SESSION_LIVE, _SUPPRESSED).where(
    users.c.id == bindparam("user_id")
)
# Row locks, taken in one order everywhere: the account's row before any of its tokens' rows, so a change
# of the account (a reset, a refresh) and another never wait for each other in a circle.
_BY_ID_FOR_CHANGE = _BY_ID.with_for_update()
_BY_EMAIL = select(users).where(users.c.email == bindparam("email"))
_ACTIVE_ADMINS = (
    select(users.c.id)
    .where(users.c.role == Role.ADMIN.value, users.c.is_verified.is_(True), users.c.disabled_at.is_(None))
    .order_by(users.c.id)
    .with_for_update()
)
_NAMES = tuple(users.c[name] for name in SEARCHED_NAMES)  # each along its lower(...) index

# The account is stored field by field under the same names; these two are stored by their value.
_TO_COLUMN = {"email": lambda email: email.value, "role": lambda role: role.value}
_FROM_COLUMN = {"email": Email, "role": Role}  # the stored address is normal already: not parsed again


def user_to_row(user: User) -> dict[str, Any]:
    return {f.name: _TO_COLUMN.get(f.name, _same)(getattr(user, f.name)) for f in fields(User)}


def user_from_row(row: Any) -> User:
    return User(**{f.name: _FROM_COLUMN.get(f.name, _same)(row[f.name]) for f in fields(User)})


def _same(value: Any) -> Any:
    return value


class SqlAlchemyUserRepository:
    def __init__(self, connection: StorageConnection) -> None:
        self._connection = connection

    async def get(self, user_id: uuid.UUID) -> User | None:
        return await self._one(_BY_ID, {"user_id": user_id})

    async def get_with_suppression(self, user_id: uuid.UUID) -> tuple[User, bool] | None:
        row = (
            (await self._connection.execute(_BY_ID_WITH_SUPPRESSION, {"user_id": user_id})).mappings().first()
        )
        return (user_from_row(row), row["suppressed"]) if row else None

    async def get_for_bearer(
        self, user_id: uuid.UUID, session_id: uuid.UUID, now: datetime, *, with_suppression: bool = False
    ) -> BearerAccount | None:
        statement = _FOR_BEARER_WITH_SUPPRESSION if with_suppression else _FOR_BEARER
        parameters = {"user_id": user_id, "session_id": session_id, "now": now}
        row = (await self._connection.execute(statement, parameters)).mappings().first()
        if row is None:
            return None
        return BearerAccount(
            user_from_row(row),
            session_live=bool(row["session_live"]),
            suppressed=bool(row.get("suppressed", False)),
        )

    async def get_for_change(self, user_id: uuid.UUID) -> User | None:
        # SQLite has no row locks: there every unit of work holds the write lock from its start (engine.py).
        return await self._one(_BY_ID_FOR_CHANGE, {"user_id": user_id})

    async def get_by_email(self, email: Email) -> User | None:
        return await self._one(_BY_EMAIL, {"email": email.value})

    async def mark_verified(self, user_id: uuid.UUID, email: Email) -> User | None:
        return await self._one(_MARK_VERIFIED, {"user_id": user_id, "address": email.value})

    async def add(self, user: User) -> None:
        await self._write(_INSERT, user_to_row(user))

    async def add_unless_taken(self, user: User) -> bool:
        statement = _INSERT_UNLESS_TAKEN[self._connection.dialect.name]
        return (await self._connection.execute(statement, user_to_row(user))).first() is not None

    async def save(self, user: User) -> None:
        row = user_to_row(user)
        row["user_id"] = row.pop("id")  # the WHERE's; the id itself is never set
        await self._write(_UPDATE, row)

    async def delete(self, user: User) -> None:
        # Its sessions and codes go by the foreign keys' ON DELETE CASCADE; email requests hold no key. Those
        # a worker is answering now are left to it (it finds the account gone, or fails on it and retries): to
        # wait for them, holding the account it waits for, would deadlock.
        await delete_batch(
            self._connection,
            email_requests,
            or_(email_requests.c.user_id == user.id, email_requests.c.email == user.email.value),
        )
        await self._connection.execute(delete(users).where(users.c.id == user.id))

    async def list(self, offset: int, limit: int) -> Sequence[User]:
        query = select(users).order_by(users.c.created_at, users.c.id).offset(offset).limit(limit)
        return [user_from_row(row) for row in (await self._connection.execute(query)).mappings()]

    async def count(self) -> int:
        return (await self._connection.execute(select(func.count()).select_from(users))).scalar_one()

    async def search(self, filter: UserFilter, after: UserPosition | None, limit: int) -> Sequence[User]:
        # Walks the (created_at, id) index from the cursor on, so a page costs the same wherever it is.
        query = select(users).order_by(users.c.created_at, users.c.id).limit(limit)
        if after is not None:
            query = query.where(tuple_(users.c.created_at, users.c.id) > tuple_(after.created_at, after.id))
        if filter.prefix:
            # Written into the statement, not sent as a parameter: only a pattern the planner can read lets it
            # walk the lower(...) text_pattern_ops indexes, in a generic plan as in a custom one.
            escaped = filter.prefix.lower().replace("/", "//").replace("%", "/%").replace("_", "/_")
            pattern: BindParameter[str] = bindparam("prefix", escaped + "%", literal_execute=True)
            query = query.where(or_(*(func.lower(name).like(pattern, escape="/") for name in _NAMES)))
        if filter.role is not None:
            query = query.where(users.c.role == filter.role.value)
        if filter.verified is not None:
            query = query.where(users.c.is_verified.is_(filter.verified))
        if filter.disabled is not None:
            query = query.where(
                users.c.disabled_at.is_not(None) if filter.disabled else users.c.disabled_at.is_(None)
            )
        return [user_from_row(row) for row in (await self._connection.execute(query)).mappings()]

    async def lock_active_admins(self) -> Sequence[uuid.UUID]:
        return list((await self._connection.execute(_ACTIVE_ADMINS)).scalars())

    async def _one(self, query: Any, parameters: dict[str, Any]) -> User | None:
        row = (await self._connection.execute(query, parameters)).mappings().first()
        return user_from_row(row) if row else None

    async def _write(self, statement: Any, row: dict[str, Any]) -> None:
        try:
            await self._connection.execute(statement, row)
        except IntegrityError as error:
            # The transaction is spoilt either way; the unit of work rolls it back.
            if _violates_unique_email(error):
                raise UserAlreadyExists() from None
            raise


def _violates_unique_email(error: IntegrityError) -> bool:
    # asyncpg names the constraint; SQLite only says "UNIQUE constraint failed: users.email".
    constraint = getattr(error.orig.__cause__, "constraint_name", None) if error.orig else None
    return constraint == "uq_users_email" or "UNIQUE constraint failed: users.email" in str(error.orig)
