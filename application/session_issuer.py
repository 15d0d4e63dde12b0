"""Issuing a session: a short-lived access token and a stored, rotating refresh token."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime

from application.config import TokenLifetimes
from application.ports import AccessTokenService, Clock, UnitOfWork
from application.views import SessionTokens, UserView
from domain.user import User


def hash_refresh_token(token: str) -> str:
    # Only the hash is stored: a leaked table does not hand out sessions.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class SessionIssuer:
    def __init__(self, access_tokens: AccessTokenService, clock: Clock, lifetimes: TokenLifetimes) -> None:
        self._access_tokens = access_tokens
        self._clock = clock
        self._lifetimes = lifetimes

    async def issue(self, uow: UnitOfWork, user: User, family_id: uuid.UUID | None = None,
                    session_expires_at: datetime | None = None) -> SessionTokens:
        """Stores a new refresh token in `uow` (the caller commits) and returns both tokens.

        A new session (no family) ends `lifetimes.session` from now; a rotation passes on its family's end.
        """
        now = self._clock.now()
        refresh_token = secrets.token_urlsafe(32)
        session_ends = session_expires_at or now + self._lifetimes.session
        await uow.refresh_tokens.add(hash_refresh_token(refresh_token), user.id, family_id or uuid.uuid4(),
                                     now, min(now + self._lifetimes.refresh, session_ends), session_ends)
        access_token = self._access_tokens.issue(user.id, user.role.value, now, self._lifetimes.access)
        return SessionTokens(access_token=access_token, refresh_token=refresh_token, user=UserView.of(user))
