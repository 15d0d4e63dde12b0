from __future__ import annotations

import uuid

from sqlalchemy import BindParameter, bindparam, exists, func, select

from adapters.sqlalchemy.storage_errors import StorageConnection
from adapters.sqlalchemy.tables import passkeys, recovery_codes, totp_factors
from domain.factors import FactorSummary

_USER: BindParameter[uuid.UUID] = bindparam("user_id")
# One round trip for all three: every sign-in of an account asks.
_SUMMARY = select(
    exists().where(totp_factors.c.user_id == _USER, totp_factors.c.confirmed_at.is_not(None)).label("totp"),
    select(func.count()).where(passkeys.c.user_id == _USER).scalar_subquery().label("passkeys"),
    select(func.count())
    .where(recovery_codes.c.user_id == _USER, recovery_codes.c.used_at.is_(None))
    .scalar_subquery()
    .label("recovery_codes_left"),
)


class SqlAlchemyFactorRepository:
    def __init__(self, connection: StorageConnection) -> None:
        self._connection = connection

    async def summary(self, user_id: uuid.UUID) -> FactorSummary:
        row = (await self._connection.execute(_SUMMARY, {"user_id": user_id})).one()
        return FactorSummary(
            totp=bool(row.totp), passkeys=int(row.passkeys), recovery_codes_left=int(row.recovery_codes_left)
        )
