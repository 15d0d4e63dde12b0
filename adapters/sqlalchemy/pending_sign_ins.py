from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, bindparam, delete, insert, select, update

from adapters.sqlalchemy.bounded_delete import delete_batch
from adapters.sqlalchemy.storage_errors import StorageConnection
from adapters.sqlalchemy.tables import pending_sign_ins
from domain.factors import PendingSignIn, Proof

_HASH: BindParameter[str] = bindparam("hash")
_INSERT = insert(pending_sign_ins)
_HOLD = (
    select(pending_sign_ins)
    .where(pending_sign_ins.c.token_hash == _HASH, pending_sign_ins.c.expires_at > bindparam("now"))
    .with_for_update()
)
_FAIL = (
    update(pending_sign_ins)
    .where(pending_sign_ins.c.token_hash == _HASH)
    .values(failures=pending_sign_ins.c.failures + 1)
    .returning(pending_sign_ins.c.failures)
)
_REMOVE = delete(pending_sign_ins).where(pending_sign_ins.c.token_hash == _HASH)


class SqlAlchemyPendingSignIns:
    def __init__(self, connection: StorageConnection) -> None:
        self._connection = connection

    async def add(self, pending: PendingSignIn) -> None:
        await self._connection.defer(
            _INSERT,
            dict(
                token_hash=pending.token_hash,
                user_id=pending.user_id,
                amr=" ".join(pending.proof.words()),
                auth_time=pending.proof.auth_time,
                expires_at=pending.expires_at,
                failures=pending.failures,
            ),
        )

    async def hold(self, token_hash: str, now: datetime) -> PendingSignIn | None:
        row = (
            (await self._connection.execute(_HOLD, {"hash": token_hash, "now": now})).mappings().one_or_none()
        )
        return _to_record(row) if row is not None else None

    async def record_failure(self, token_hash: str) -> int:
        found = (await self._connection.execute(_FAIL, {"hash": token_hash})).scalar_one_or_none()
        return int(found) if found is not None else 0

    async def remove(self, token_hash: str) -> None:
        await self._connection.execute(_REMOVE, {"hash": token_hash})

    async def prune(self, expired_before: datetime, limit: int = 1000) -> int:
        return await delete_batch(
            self._connection,
            pending_sign_ins,
            pending_sign_ins.c.expires_at < expired_before,
            order_by=pending_sign_ins.c.expires_at,
            limit=limit,
        )


def _to_record(row: Any) -> PendingSignIn:
    return PendingSignIn(
        token_hash=row["token_hash"],
        user_id=row["user_id"],
        proof=Proof.from_words(row["amr"], row["auth_time"]),
        expires_at=row["expires_at"],
        failures=row["failures"],
    )
