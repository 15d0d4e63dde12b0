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
            # The account's row is locked before the token is spent, as a password reset locks it before it
            # revokes every token: a reset either lands first, and mark_used below (which reads the token
            # afresh) finds it revoked, or it waits until this new token exists and revokes it too.
            found = await uow.refresh_tokens.get_with_account(token_hash)
            if found is None:
                raise _refused()
            record, user = found
            if record.revoked_at is not None or record.expires_at <= now:
                raise _refused()
            if not await uow.refresh_tokens.mark_used(token_hash, now):
                # Used or revoked since it was read: a rotated token shown again means someone else holds
                # a copy, so no token of the family is trusted (after a revocation this changes nothing).
                await uow.refresh_tokens.revoke_family(record.family_id, now)
                await uow.commit()
                raise _refused()
            session = await self._sessions.issue(uow, user, record.family_id, record.session_expires_at)
            await uow.commit()
        return session


def _refused() -> NotAuthenticated:
    return NotAuthenticated("The refresh token is invalid, expired or revoked.", "Log in again.")
