from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, bindparam, delete, exists, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from adapters.sqlalchemy.storage_errors import StorageConnection
from adapters.sqlalchemy.tables import passkeys, recovery_codes, totp_factors
from domain.factors import FactorListing, FactorSummary, Method, TotpFactor

_USER: BindParameter[uuid.UUID] = bindparam("uid")
# One round trip for all three: every sign-in of an account asks.
_SUMMARY = select(
    exists().where(totp_factors.c.user_id == _USER, totp_factors.c.confirmed_at.is_not(None)).label("totp"),
    select(func.count()).where(passkeys.c.user_id == _USER).scalar_subquery().label("passkeys"),
    select(func.count())
    .where(recovery_codes.c.user_id == _USER, recovery_codes.c.used_at.is_(None))
    .scalar_subquery()
    .label("recovery_codes_left"),
)
_GET_TOTP = select(totp_factors).where(totp_factors.c.user_id == _USER)
_TOTP_LISTING = select(totp_factors.c.created_at, totp_factors.c.confirmed_at).where(
    totp_factors.c.user_id == _USER, totp_factors.c.confirmed_at.is_not(None)
)
_PASSKEY_LISTING = (
    select(passkeys.c.name, passkeys.c.created_at, passkeys.c.last_used_at)
    .where(passkeys.c.user_id == _USER)
    .order_by(passkeys.c.created_at, passkeys.c.id)
)
_STEP: BindParameter[int] = bindparam("step")
_CONFIRM = (
    update(totp_factors)
    .where(totp_factors.c.user_id == _USER, totp_factors.c.confirmed_at.is_(None))
    .values(confirmed_at=bindparam("when"), last_step=_STEP)
)
# The replay guard is this one conditional statement: of concurrent submissions of one code, the first
# to update the row wins and the others, waiting on its lock, then find the step spent.
_USE_STEP = (
    update(totp_factors)
    .where(
        totp_factors.c.user_id == _USER,
        totp_factors.c.confirmed_at.is_not(None),
        or_(totp_factors.c.last_step.is_(None), totp_factors.c.last_step < _STEP),
    )
    .values(last_step=_STEP)
)
_REMOVE_TOTP = delete(totp_factors).where(totp_factors.c.user_id == _USER)
_REMOVE_CODES = delete(recovery_codes).where(recovery_codes.c.user_id == _USER)
_REMOVE_PASSKEYS = delete(passkeys).where(passkeys.c.user_id == _USER)
_USE_CODE = (
    update(recovery_codes)
    .where(
        recovery_codes.c.user_id == _USER,
        recovery_codes.c.digest == bindparam("code_digest"),
        recovery_codes.c.used_at.is_(None),
    )
    .values(used_at=bindparam("when"))
)


def _put_totp(dialect: Any) -> Any:
    # A pending app is replaced by a new enrolment; a confirmed one is never overwritten by one.
    statement = dialect.insert(totp_factors)
    return statement.on_conflict_do_update(
        index_elements=[totp_factors.c.user_id],
        set_={
            "sealed_secret": statement.excluded.sealed_secret,
            "created_at": statement.excluded.created_at,
            "last_step": None,
        },
        where=totp_factors.c.confirmed_at.is_(None),
    )


_PUT_TOTP = {"postgresql": _put_totp(postgresql), "sqlite": _put_totp(sqlite)}


class SqlAlchemyFactorRepository:
    def __init__(self, connection: StorageConnection) -> None:
        self._connection = connection

    async def summary(self, user_id: uuid.UUID) -> FactorSummary:
        row = (await self._connection.execute(_SUMMARY, {"uid": user_id})).one()
        return FactorSummary(
            totp=bool(row.totp), passkeys=int(row.passkeys), recovery_codes_left=int(row.recovery_codes_left)
        )

    async def listing(self, user_id: uuid.UUID) -> Sequence[FactorListing]:
        found = [
            FactorListing(Method.TOTP, "", row.confirmed_at, None)
            for row in await self._connection.execute(_TOTP_LISTING, {"uid": user_id})
        ]
        found += [
            FactorListing(Method.PASSKEY, row.name, row.created_at, row.last_used_at)
            for row in await self._connection.execute(_PASSKEY_LISTING, {"uid": user_id})
        ]
        return sorted(found, key=lambda f: f.created_at)

    async def get_totp(self, user_id: uuid.UUID) -> TotpFactor | None:
        row = (await self._connection.execute(_GET_TOTP, {"uid": user_id})).mappings().one_or_none()
        if row is None:
            return None
        return TotpFactor(
            user_id=row["user_id"],
            sealed_secret=row["sealed_secret"],
            created_at=row["created_at"],
            confirmed_at=row["confirmed_at"],
            last_step=row["last_step"],
        )

    async def put_totp(self, factor: TotpFactor) -> None:
        await self._connection.execute(
            _PUT_TOTP[self._connection.dialect.name],
            {
                "user_id": factor.user_id,
                "sealed_secret": factor.sealed_secret,
                "created_at": factor.created_at,
                "confirmed_at": None,
                "last_step": None,
            },
        )

    async def confirm_totp(self, user_id: uuid.UUID, when: datetime, step: int) -> bool:
        result = await self._connection.execute(_CONFIRM, {"uid": user_id, "when": when, "step": step})
        return result.rowcount == 1

    async def use_totp_step(self, user_id: uuid.UUID, step: int) -> bool:
        result = await self._connection.execute(_USE_STEP, {"uid": user_id, "step": step})
        return result.rowcount == 1

    async def remove_totp(self, user_id: uuid.UUID) -> bool:
        return (await self._connection.execute(_REMOVE_TOTP, {"uid": user_id})).rowcount == 1

    async def replace_recovery_codes(
        self, user_id: uuid.UUID, digests: Sequence[str], when: datetime
    ) -> None:
        await self._connection.execute(_REMOVE_CODES, {"uid": user_id})
        if digests:
            await self._connection.execute(
                insert(recovery_codes),
                [
                    {"id": uuid.uuid4(), "user_id": user_id, "digest": d, "created_at": when, "used_at": None}
                    for d in digests
                ],
            )

    async def use_recovery_code(self, user_id: uuid.UUID, digest: str, when: datetime) -> bool:
        result = await self._connection.execute(
            _USE_CODE, {"uid": user_id, "code_digest": digest, "when": when}
        )
        return result.rowcount >= 1

    async def remove_all(self, user_id: uuid.UUID) -> None:
        for statement in (_REMOVE_TOTP, _REMOVE_CODES, _REMOVE_PASSKEYS):
            await self._connection.execute(statement, {"uid": user_id})
