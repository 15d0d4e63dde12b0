from __future__ import annotations

from typing import Protocol

from application.ports.clock import Clock
from application.ports.unit_of_work import HasRefreshTokens, HasUsers, Transaction
from application.shared.session_issuer import hash_refresh_token


class _Work(Transaction, HasUsers, HasRefreshTokens, Protocol): ...


class Logout:
    """Revokes the session a refresh token belongs to; an unknown token is already logged out."""

    def __init__(self, *, uow: _Work, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, refresh_token: str) -> None:
        async with self._uow as uow:
            record = await uow.refresh_tokens.get(hash_refresh_token(refresh_token))
            if record is None:
                return
            # The account first, as a refresh holds it while it writes the session's next token: without it, a
            # refresh in flight commits a successor this statement never saw, and the session lives on.
            await uow.users.get_for_change(record.user_id)
            await uow.refresh_tokens.revoke_family(record.user_id, record.family_id, self._clock.now())
            await uow.commit()
