from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.tables import refresh_tokens
from application.ports import RefreshTokenRecord

# Built once, the values coming as parameters: they run on every refresh.
_INSERT = insert(refresh_tokens)
_BY_HASH = select(refresh_tokens).where(refresh_tokens.c.token_hash == bindparam("token_hash"))
_MARK_USED = (update(refresh_tokens)
              .where(refresh_tokens.c.token_hash == bindparam("used_hash"), refresh_tokens.c.used_at.is_(None),
                     refresh_tokens.c.revoked_at.is_(None))
              .values(used_at=bindparam("when")))


class SqlAlchemyRefreshTokenRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, token_hash: str, user_id: uuid.UUID, family_id: uuid.UUID,
                  issued_at: datetime, expires_at: datetime) -> None:
        await self._connection.execute(_INSERT, dict(
            token_hash=token_hash, user_id=user_id, family_id=family_id, issued_at=issued_at,
            expires_at=expires_at))

    async def get(self, token_hash: str) -> RefreshTokenRecord | None:
        row = (await self._connection.execute(_BY_HASH, {"token_hash": token_hash})).mappings().first()
        if row is None:
            return None
        return RefreshTokenRecord(token_hash=row["token_hash"], user_id=row["user_id"], family_id=row["family_id"],
                                  expires_at=row["expires_at"], used_at=row["used_at"],
                                  revoked_at=row["revoked_at"])

    async def mark_used(self, token_hash: str, when: datetime) -> bool:
        # Conditional update: of two concurrent refreshes with one token, exactly one succeeds.
        result = await self._connection.execute(_MARK_USED, {"used_hash": token_hash, "when": when})
        return result.rowcount == 1

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
