from __future__ import annotations

from application.ports import Clock, UnitOfWork
from application.session_tokens import SessionIssuer, hash_refresh_token
from application.views import SessionTokens
from domain.errors import NotAuthenticated


class RefreshSession:
    """Trades a refresh token for a new pair; a retired token shown again ends its whole family."""

    def __init__(self, uow: UnitOfWork, sessions: SessionIssuer, clock: Clock) -> None:
        self._uow = uow
        self._sessions = sessions
        self._clock = clock

    async def execute(self, refresh_token: str) -> SessionTokens:
        token_hash = hash_refresh_token(refresh_token)
        now = self._clock.now()
        async with self._uow as uow:
            found = await uow.refresh_tokens.get(token_hash)
            # The account's row is locked first, as a password reset locks it: a reset that revokes every
            # token either lands before (and this refresh sees the token revoked) or waits for it.
            user = await uow.users.get(found.user_id, for_update=True) if found else None
            record = await uow.refresh_tokens.get(token_hash)
            if record is None or user is None or record.revoked_at is not None or record.expires_at <= now:
                raise _refused()
            if not await uow.refresh_tokens.mark_used(token_hash, now):
                # Reuse of a rotated token: someone else holds a copy, so no token of the family is trusted.
                await uow.refresh_tokens.revoke_family(record.family_id, now)
                await uow.commit()
                raise _refused()
            session = await self._sessions.issue(uow, user, record.family_id)
            await uow.commit()
        return session


def _refused() -> NotAuthenticated:
    return NotAuthenticated("The refresh token is invalid, expired or revoked.", "Log in again.")
