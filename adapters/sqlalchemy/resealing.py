"""Every secret sealed in the database, looked at when the service starts: what an earlier master secret
sealed is sealed again under JWT_SECRET, and what no secret given opens stops the start, said in words.

Without this look a changed JWT_SECRET surfaced as AES-GCM's bare InvalidTag, at the first key read."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.crypto.key_derivation import SIGNING_KEYS, TOTP_SECRETS, WEBHOOK_SECRETS, derive_key
from adapters.crypto.sealed_secrets import AesGcmSealer, SealedUnderAnotherSecret
from adapters.sqlalchemy.storage_errors import StorageConnection, connect
from adapters.sqlalchemy.tables import generated_secrets, signing_keys, totp_factors, webhook_subscriptions
from domain.factors import totp_sealing_context
from domain.webhooks import sealing_context

ROTATION_DOCS = "DEPLOYMENT.md#rotating-the-master-secret"


@dataclass(frozen=True, eq=False)
class _Sealed:
    words: str  # what they are, for the operator
    table: Table
    id_column: str
    sealed_column: str
    purpose: str  # of the key they are sealed under (adapters/crypto/key_derivation.py)
    context: Callable[[Any], str]  # what is bound into each, from its id


SEALED = (
    _Sealed("signing keys", signing_keys, "kid", "private_key", SIGNING_KEYS, str),
    _Sealed("webhook secrets", webhook_subscriptions, "id", "secret", WEBHOOK_SECRETS, sealing_context),
    _Sealed(
        "authenticator-app secrets",
        totp_factors,
        "user_id",
        "sealed_secret",
        TOTP_SECRETS,
        totp_sealing_context,
    ),
)


class MasterSecretMismatch(SealedUnderAnotherSecret):
    """JWT_SECRET (and JWT_SECRET_PREVIOUS) open none of some secrets sealed in the database."""


class Resealer:
    def __init__(
        self, *, engine: AsyncEngine, secret: str, previous: Sequence[str], development: bool
    ) -> None:
        self._engine = engine
        self._secret = secret
        self._previous = list(previous)
        self._development = development

    async def reseal(self) -> dict[str, int]:
        """Seals again under JWT_SECRET what an earlier secret sealed, all in one transaction, and says how
        many of each were; raises MasterSecretMismatch, having changed nothing, when some open with none."""
        connection = await connect(self._engine)
        try:
            sealers = self._sealers(await self._kept_development_secret(connection))
            stale = await self._stale(connection, sealers, lock=False)
            if stale:
                # Again under row locks: of two instances starting at once, the second waits here and then
                # finds the rows sealed under the new key already, with nothing left to do.
                stale = await self._stale(connection, sealers, lock=True)
                for spec, rows in stale.items():
                    table = spec.table
                    for row_id, resealed in rows:
                        await connection.execute(
                            update(table)
                            .where(table.c[spec.id_column] == row_id)
                            .values({spec.sealed_column: resealed})
                        )
            await connection.commit()
        finally:
            await connection.close()
        return {spec.words: len(rows) for spec, rows in stale.items() if rows}

    def _sealers(self, kept: str | None) -> dict[_Sealed, AesGcmSealer]:
        earlier = [*self._previous, *([kept] if kept else [])]
        return {
            spec: AesGcmSealer(
                key=derive_key(self._secret, spec.purpose),
                previous=[derive_key(old, spec.purpose) for old in earlier if old != self._secret],
            )
            for spec in SEALED
        }

    async def _kept_development_secret(self, connection: StorageConnection) -> str | None:
        # In development, a JWT_SECRET set after starts without one (a .env gained a line) finds the keys
        # sealed under the generated secret kept in this same database: it is an earlier secret, known here.
        if not self._development:
            return None
        return (
            await connection.execute(
                select(generated_secrets.c.value).where(generated_secrets.c.name == "jwt-secret")
            )
        ).scalar_one_or_none()

    async def _stale(
        self, connection: StorageConnection, sealers: dict[_Sealed, AesGcmSealer], lock: bool
    ) -> dict[_Sealed, list[tuple[Any, str]]]:
        stale: dict[_Sealed, list[tuple[Any, str]]] = {}
        unopened: dict[str, tuple[int, int]] = {}
        for spec, sealer in sealers.items():
            id_column, sealed_column = spec.table.c[spec.id_column], spec.table.c[spec.sealed_column]
            query = select(id_column, sealed_column).order_by(id_column)
            rows = (await connection.execute(query.with_for_update() if lock else query)).all()
            found, failed = [], 0
            for row_id, sealed in rows:
                try:
                    resealed = sealer.resealed(spec.context(row_id), sealed)
                except SealedUnderAnotherSecret:
                    failed += 1
                    continue
                if resealed is not None:
                    found.append((row_id, resealed))
            if failed:
                unopened[spec.words] = (failed, len(rows))
            if found:
                stale[spec] = found
        if unopened:
            raise MasterSecretMismatch(self._mismatch(unopened))
        return stale

    def _mismatch(self, unopened: dict[str, tuple[int, int]]) -> str:
        what = " and the ".join(
            f"{words} ({failed} of {total})" for words, (failed, total) in unopened.items()
        )
        tried = "JWT_SECRET, nor any value of JWT_SECRET_PREVIOUS," if self._previous else "JWT_SECRET"
        return (
            f"{tried} cannot open the {what} sealed in the database: JWT_SECRET changed since they were "
            "sealed. Set JWT_SECRET back to the old value, or keep the new one and set the old one in "
            f"JWT_SECRET_PREVIOUS to seal them again under it; see {ROTATION_DOCS}"
        )
