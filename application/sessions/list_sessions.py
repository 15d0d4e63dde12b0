from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from application.ports.clock import Clock
from application.ports.unit_of_work import HasRefreshTokens, Transaction
from application.shared.authenticate import Caller
from domain.views import SessionView


class _Work(Transaction, HasRefreshTokens, Protocol): ...


class ListSessions:
    """Where the caller is signed in: each login that can still be refreshed, newest first."""

    def __init__(self, *, uow: _Work, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, caller: Caller) -> Sequence[SessionView]:
        async with self._uow as uow:
            tokens = await uow.refresh_tokens.live_sessions(caller.user.id, self._clock.now())
        return [
            SessionView(
                id=token.family_id,
                created_at=token.started_at or token.expires_at,
                last_used_at=token.issued_at or token.expires_at,
                ip=token.origin.ip,
                device=token.origin.device,
                current=token.family_id == caller.session_id,
            )
            for token in tokens
        ]
