from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from adapters.sqlalchemy.bounded_delete import delete_batch
from adapters.sqlalchemy.storage_errors import StorageConnection
from adapters.sqlalchemy.tables import refresh_tokens, users
from adapters.sqlalchemy.users import user_from_row
from domain.factors import Proof
from domain.sessions import RefreshTokenRecord, Spend, SpendOutcome
from domain.trail import SessionOrigin

_INSERT = insert(refresh_tokens)
_BY_HASH = select(refresh_tokens).where(refresh_tokens.c.token_hash == bindparam("token_hash"))
# The token with its account, whose row is locked first, as a reset locks it before it revokes every token
# (users.py keeps that order): a reset either lands first, and the conditional update below (which reads
# the token afresh) finds it revoked, or it waits until the next token exists and revokes that too.
_WITH_ACCOUNT = (
    select(refresh_tokens, users)
    .join(users, users.c.id == refresh_tokens.c.user_id)
    .where(refresh_tokens.c.token_hash == bindparam("token_hash"))
    .with_for_update(of=users)
)
_MARK_USED = (
    update(refresh_tokens)
    .where(
        refresh_tokens.c.token_hash == bindparam("used_hash"),
        refresh_tokens.c.used_at.is_(None),
        refresh_tokens.c.revoked_at.is_(None),
    )
    .values(used_at=bindparam("when"), successor_salt=bindparam("successor_salt"))
)
# Since a spend within the grace gets the successor already issued, a family has one live token; one issued
# after the token being spent and still live means the family forked (a grace reuse answered before that
# rule): a second branch, ended as a reuse is. Along ix_refresh_tokens_session from the spent token's own
# time on, where nothing is found unless there is a fork.
_LATER_LIVE = (
    select(refresh_tokens.c.token_hash)
    .where(
        refresh_tokens.c.user_id == bindparam("user_id"),
        refresh_tokens.c.family_id == bindparam("family_id"),
        refresh_tokens.c.issued_at >= bindparam("issued_at"),
        refresh_tokens.c.token_hash != bindparam("spent_hash"),
        refresh_tokens.c.used_at.is_(None),
        refresh_tokens.c.revoked_at.is_(None),
        refresh_tokens.c.expires_at > bindparam("now"),
    )
    .limit(1)
)
_LIVE = (
    select(refresh_tokens)
    .where(
        refresh_tokens.c.user_id == bindparam("user_id"),
        refresh_tokens.c.used_at.is_(None),
        refresh_tokens.c.revoked_at.is_(None),
        refresh_tokens.c.expires_at > bindparam("now"),
    )
    .order_by(refresh_tokens.c.issued_at.desc())
)

_RENEW_PROOF = (
    update(refresh_tokens)
    .where(
        refresh_tokens.c.user_id == bindparam("owner"),
        refresh_tokens.c.family_id == bindparam("family"),
        refresh_tokens.c.used_at.is_(None),
        refresh_tokens.c.revoked_at.is_(None),
        refresh_tokens.c.expires_at > bindparam("now"),
    )
    .values(auth_time=bindparam("proved_at"), amr=bindparam("methods"))
)


class SqlAlchemyRefreshTokenRepository:
    def __init__(self, connection: StorageConnection) -> None:
        self._connection = connection

    async def add(
        self,
        token_hash: str,
        user_id: uuid.UUID,
        family_id: uuid.UUID,
        issued_at: datetime,
        expires_at: datetime,
        session_expires_at: datetime | None = None,
        *,
        started_at: datetime | None = None,
        origin: SessionOrigin = SessionOrigin(),
        proof: Proof | None = None,
    ) -> None:
        await self._connection.defer(
            _INSERT,
            dict(
                token_hash=token_hash,
                user_id=user_id,
                family_id=family_id,
                issued_at=issued_at,
                expires_at=expires_at,
                session_expires_at=session_expires_at or expires_at,
                started_at=started_at or issued_at,
                client_ip=origin.ip[:45],
                device=origin.device[:64],
                auth_time=proof.auth_time if proof else None,
                amr=" ".join(proof.words()) if proof else None,
            ),
        )

    async def get(self, token_hash: str) -> RefreshTokenRecord | None:
        row = (await self._connection.execute(_BY_HASH, {"token_hash": token_hash})).mappings().first()
        return _to_record(row) if row else None

    async def spend(
        self,
        token_hash: str,
        when: datetime,
        reuse_grace: timedelta = timedelta(0),
        successor_salt: str | None = None,
    ) -> Spend:
        row = (await self._connection.execute(_WITH_ACCOUNT, {"token_hash": token_hash})).mappings().first()
        if row is None:
            return Spend(SpendOutcome.UNKNOWN)
        token, user = _to_record(row), user_from_row(row)
        if token.revoked_at is not None:
            return Spend(SpendOutcome.REVOKED, token, user)
        if token.expires_at <= when:
            return Spend(SpendOutcome.EXPIRED, token, user)
        # Under READ COMMITTED the row read above may predate a change that held the account meanwhile;
        # this update reads the token afresh, and of two concurrent spends exactly one changes a row.
        result = await self._connection.execute(
            _MARK_USED, {"used_hash": token_hash, "when": when, "successor_salt": successor_salt}
        )
        if result.rowcount == 1:
            forked = (
                await self._connection.execute(
                    _LATER_LIVE,
                    dict(
                        user_id=token.user_id,
                        family_id=token.family_id,
                        issued_at=token.issued_at or when,
                        spent_hash=token_hash,
                        now=when,
                    ),
                )
            ).first() is not None
            return Spend(SpendOutcome.REUSED if forked else SpendOutcome.SPENT, token, user)
        # Used, or revoked, since the read: the account is held now, so a fresh read is the last word.
        fresh = await self.get(token_hash)
        if fresh is None or fresh.revoked_at is not None:
            return Spend(SpendOutcome.REVOKED, fresh, user)
        if fresh.used_at is not None and when < fresh.used_at + reuse_grace:
            return Spend(SpendOutcome.RACED, fresh, user)
        return Spend(SpendOutcome.REUSED, fresh, user)

    async def live_sessions(self, user_id: uuid.UUID, now: datetime) -> Sequence[RefreshTokenRecord]:
        newest: dict[uuid.UUID, RefreshTokenRecord] = {}
        for row in (await self._connection.execute(_LIVE, {"user_id": user_id, "now": now})).mappings():
            newest.setdefault(row["family_id"], _to_record(row))  # a fork from before one successor only
        return sorted(newest.values(), key=lambda token: token.started_at or token.expires_at, reverse=True)

    async def renew_proof(
        self, user_id: uuid.UUID, family_id: uuid.UUID, proof: Proof, now: datetime
    ) -> bool:
        result = await self._connection.execute(
            _RENEW_PROOF,
            dict(
                owner=user_id,
                family=family_id,
                now=now,
                proved_at=proof.auth_time,
                methods=" ".join(proof.words()),
            ),
        )
        return result.rowcount > 0

    async def end_session(self, user_id: uuid.UUID, family_id: uuid.UUID, when: datetime) -> bool:
        result = await self._connection.execute(
            update(refresh_tokens)
            .where(
                refresh_tokens.c.user_id == user_id,
                refresh_tokens.c.family_id == family_id,
                refresh_tokens.c.revoked_at.is_(None),
                refresh_tokens.c.used_at.is_(None),
                refresh_tokens.c.expires_at > when,
            )
            .values(revoked_at=when)
        )
        if result.rowcount == 0:
            return False
        await self.revoke_family(
            user_id, family_id, when
        )  # its used tokens too: a late copy finds it revoked
        return True

    async def revoke_family(self, user_id: uuid.UUID, family_id: uuid.UUID, when: datetime) -> None:
        # Along the user_id index: an index of its own on family_id would cost every login and refresh a
        # write at a random place in a big index, for the rare end of one session.
        await self._connection.execute(
            update(refresh_tokens)
            .where(
                refresh_tokens.c.user_id == user_id,
                refresh_tokens.c.family_id == family_id,
                refresh_tokens.c.revoked_at.is_(None),
            )
            .values(revoked_at=when)
        )

    async def revoke_all_for_user(
        self, user_id: uuid.UUID, when: datetime, keep_family: uuid.UUID | None = None
    ) -> None:
        kept = [refresh_tokens.c.family_id != keep_family] if keep_family is not None else []
        await self._connection.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.user_id == user_id, refresh_tokens.c.revoked_at.is_(None), *kept)
            .values(revoked_at=when)
        )

    async def prune(self, expired_before: datetime, limit: int = 1000) -> int:
        return await delete_batch(
            self._connection,
            refresh_tokens,
            refresh_tokens.c.expires_at < expired_before,
            order_by=refresh_tokens.c.expires_at,
            limit=limit,
        )


def _to_record(row: Any) -> RefreshTokenRecord:
    return RefreshTokenRecord(
        token_hash=row["token_hash"],
        user_id=row["user_id"],
        family_id=row["family_id"],
        expires_at=row["expires_at"],
        used_at=row["used_at"],
        revoked_at=row["revoked_at"],
        session_expires_at=row["session_expires_at"],
        issued_at=row["issued_at"],
        started_at=row["started_at"] or row["issued_at"],
        origin=SessionOrigin(ip=row["client_ip"] or "", device=row["device"] or ""),
        successor_salt=row["successor_salt"],
        proof=Proof.from_words(row["amr"] or "", row["auth_time"]) if row["auth_time"] else None,
    )
