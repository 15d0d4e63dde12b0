from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from adapters.sqlalchemy.storage_errors import StorageConnection
from adapters.sqlalchemy.tables import refresh_tokens, users
from adapters.sqlalchemy.users import user_from_row
from application.ports import RefreshTokenRecord, Spend, SpendOutcome

_INSERT = insert(refresh_tokens)
_BY_HASH = select(refresh_tokens).where(refresh_tokens.c.token_hash == bindparam("token_hash"))
# The token with its account, whose row is locked first, as a reset locks it before it revokes every token
# (users.py keeps that order): a reset either lands first, and the conditional update below (which reads
# the token afresh) finds it revoked, or it waits until the next token exists and revokes that too.
_WITH_ACCOUNT = (select(refresh_tokens, users).join(users, users.c.id == refresh_tokens.c.user_id)
                 .where(refresh_tokens.c.token_hash == bindparam("token_hash")).with_for_update(of=users))
_MARK_USED = (update(refresh_tokens)
              .where(refresh_tokens.c.token_hash == bindparam("used_hash"), refresh_tokens.c.used_at.is_(None),
                     refresh_tokens.c.revoked_at.is_(None))
              .values(used_at=bindparam("when")))


class SqlAlchemyRefreshTokenRepository:
    def __init__(self, connection: StorageConnection) -> None:
        self._connection = connection

    async def add(self, token_hash: str, user_id: uuid.UUID, family_id: uuid.UUID,
                  issued_at: datetime, expires_at: datetime, session_expires_at: datetime | None = None) -> None:
        await self._connection.execute(_INSERT, dict(
            token_hash=token_hash, user_id=user_id, family_id=family_id, issued_at=issued_at,
            expires_at=expires_at, session_expires_at=session_expires_at or expires_at))

    async def get(self, token_hash: str) -> RefreshTokenRecord | None:
        row = (await self._connection.execute(_BY_HASH, {"token_hash": token_hash})).mappings().first()
        return _to_record(row) if row else None

    async def spend(self, token_hash: str, when: datetime) -> Spend:
        row = (await self._connection.execute(_WITH_ACCOUNT, {"token_hash": token_hash})).mappings().first()
        if row is None:
            return Spend(SpendOutcome.UNKNOWN)
        token = _to_record(row)
        if token.revoked_at is not None:
            return Spend(SpendOutcome.REVOKED, token)
        if token.expires_at <= when:
            return Spend(SpendOutcome.EXPIRED, token)
        # Under READ COMMITTED the row read above may predate a change that held the account meanwhile;
        # this update reads the token afresh, and of two concurrent spends exactly one changes a row.
        result = await self._connection.execute(_MARK_USED, {"used_hash": token_hash, "when": when})
        if result.rowcount != 1:
            return Spend(SpendOutcome.REUSED, token)
        return Spend(SpendOutcome.SPENT, token, user_from_row(row))

    async def revoke_family(self, family_id: uuid.UUID, when: datetime) -> None:
        await self._connection.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.family_id == family_id, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=when))

    async def revoke_all_for_user(self, user_id: uuid.UUID, when: datetime) -> None:
        await self._connection.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.user_id == user_id, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=when))


def _to_record(row: Any) -> RefreshTokenRecord:
    return RefreshTokenRecord(token_hash=row["token_hash"], user_id=row["user_id"], family_id=row["family_id"],
                              expires_at=row["expires_at"], used_at=row["used_at"], revoked_at=row["revoked_at"],
                              session_expires_at=row["session_expires_at"])
