"""Passkeys and the WebAuthn challenges handed out for them, over SQLAlchemy Core."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from adapters.sqlalchemy.bounded_delete import delete_batch
from adapters.sqlalchemy.storage_errors import StorageConnection
from adapters.sqlalchemy.tables import passkeys, webauthn_challenges
from domain.factors import Passkey
from domain.passkeys import ChallengePurpose, WebauthnChallenge

# A credential id registered twice stores nothing the second time, without an error that would end the
# transaction on PostgreSQL.
_INSERT_UNLESS_TAKEN = {
    name: dialect.insert(passkeys)
    .on_conflict_do_nothing(index_elements=[passkeys.c.credential_id])
    .returning(passkeys.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_OF_ACCOUNT = (
    select(passkeys)
    .where(passkeys.c.user_id == bindparam("user_id"))
    .order_by(passkeys.c.created_at, passkeys.c.id)
)
# "owner" and "key", not the columns' names: an UPDATE may not bind a parameter named as a column.
_MINE = (passkeys.c.user_id == bindparam("owner"), passkeys.c.id == bindparam("key"))
_GET = select(passkeys).where(*_MINE)
_BY_CREDENTIAL = select(passkeys).where(passkeys.c.credential_id == bindparam("credential_id"))
_RENAME = update(passkeys).where(*_MINE).values(name=bindparam("new_name")).returning(*passkeys.c)
_REMOVE = delete(passkeys).where(*_MINE).returning(*passkeys.c)
# The counter moves only from the value the verification judged: of two uses racing with one count, one
# wins.
_RECORD_USE = (
    update(passkeys)
    .where(passkeys.c.id == bindparam("key"), passkeys.c.sign_count == bindparam("seen_count"))
    .values(
        sign_count=bindparam("new_count"),
        backed_up=bindparam("now_backed_up"),
        last_used_at=bindparam("when"),
    )
)
_TAKE = (
    delete(webauthn_challenges)
    .where(webauthn_challenges.c.challenge == bindparam("challenge"))
    .returning(*webauthn_challenges.c)
)


def _passkey(row: Any) -> Passkey:
    return Passkey(
        user_id=row.user_id,
        credential_id=bytes(row.credential_id),
        public_key=bytes(row.public_key),
        sign_count=row.sign_count,
        name=row.name,
        created_at=row.created_at,
        aaguid=row.aaguid,
        backed_up=row.backed_up,
        transports=tuple(t for t in row.transports.split(",") if t),
        last_used_at=row.last_used_at,
        id=row.id,
    )


class SqlAlchemyPasskeys:
    def __init__(self, connection: StorageConnection) -> None:
        self._connection = connection

    async def add(self, passkey: Passkey) -> bool:
        result = await self._connection.execute(
            _INSERT_UNLESS_TAKEN[self._connection.dialect.name],
            dict(
                id=passkey.id,
                user_id=passkey.user_id,
                credential_id=passkey.credential_id,
                public_key=passkey.public_key,
                sign_count=passkey.sign_count,
                name=passkey.name,
                aaguid=passkey.aaguid,
                backed_up=passkey.backed_up,
                transports=",".join(passkey.transports),
                created_at=passkey.created_at,
                last_used_at=passkey.last_used_at,
            ),
        )
        return result.first() is not None

    async def of_account(self, user_id: uuid.UUID) -> Sequence[Passkey]:
        rows = await self._connection.execute(_OF_ACCOUNT, {"user_id": user_id})
        return [_passkey(row) for row in rows]

    async def get(self, user_id: uuid.UUID, passkey_id: uuid.UUID) -> Passkey | None:
        row = (await self._connection.execute(_GET, {"owner": user_id, "key": passkey_id})).first()
        return _passkey(row) if row is not None else None

    async def by_credential_id(self, credential_id: bytes) -> Passkey | None:
        row = (await self._connection.execute(_BY_CREDENTIAL, {"credential_id": credential_id})).first()
        return _passkey(row) if row is not None else None

    async def rename(self, user_id: uuid.UUID, passkey_id: uuid.UUID, name: str) -> Passkey | None:
        row = (
            await self._connection.execute(_RENAME, {"owner": user_id, "key": passkey_id, "new_name": name})
        ).first()
        return _passkey(row) if row is not None else None

    async def remove(self, user_id: uuid.UUID, passkey_id: uuid.UUID) -> Passkey | None:
        row = (await self._connection.execute(_REMOVE, {"owner": user_id, "key": passkey_id})).first()
        return _passkey(row) if row is not None else None

    async def record_use(
        self, passkey_id: uuid.UUID, *, seen_count: int, sign_count: int, backed_up: bool, when: datetime
    ) -> bool:
        result = await self._connection.execute(
            _RECORD_USE,
            dict(
                key=passkey_id,
                seen_count=seen_count,
                new_count=sign_count,
                now_backed_up=backed_up,
                when=when,
            ),
        )
        return bool(result.rowcount == 1)


class SqlAlchemyWebauthnChallenges:
    def __init__(self, connection: StorageConnection) -> None:
        self._connection = connection

    async def add(self, challenge: WebauthnChallenge) -> None:
        await self._connection.execute(
            webauthn_challenges.insert(),
            dict(
                challenge=challenge.challenge,
                purpose=challenge.purpose.value,
                user_id=challenge.user_id,
                expires_at=challenge.expires_at,
            ),
        )

    async def take(self, challenge: str) -> WebauthnChallenge | None:
        row = (await self._connection.execute(_TAKE, {"challenge": challenge})).first()
        if row is None:
            return None
        return WebauthnChallenge(row.challenge, ChallengePurpose(row.purpose), row.user_id, row.expires_at)

    async def prune(self, before: datetime, limit: int = 1000) -> int:
        return await delete_batch(
            self._connection,
            webauthn_challenges,
            webauthn_challenges.c.expires_at < before,
            order_by=webauthn_challenges.c.expires_at,
            limit=limit,
        )
