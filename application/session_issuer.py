"""Issuing a session: a stored, rotating refresh token, and a short-lived access token.

In two steps: the refresh token is stored in the caller's unit of work, and the access token is signed once
that has committed, so that nothing is signed for a session that was not stored, and no signing key is read
while the transaction holds the database.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from application.config import TokenLifetimes
from application.ports import AccessTokenService, Clock, UnitOfWork
from application.views import SessionTokens, UserView
from domain.user import User


def hash_refresh_token(token: str) -> str:
    # Only the hash is stored: a leaked table does not hand out sessions.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class OpenedSession:
    user: User
    refresh_token: str


class SessionIssuer:
    def __init__(self, *, access_tokens: AccessTokenService, clock: Clock, lifetimes: TokenLifetimes) -> None:
        self._access_tokens = access_tokens
        self._clock = clock
        self._lifetimes = lifetimes

    async def open(self, uow: UnitOfWork, user: User, family_id: uuid.UUID | None = None,
                   session_expires_at: datetime | None = None) -> OpenedSession:
        """Stores a new refresh token in `uow` (the caller commits, then calls `hand_out`).

        A new session (no family) ends `lifetimes.session` from now; a rotation passes on its family's end.
        """
        now = self._clock.now()
        refresh_token = secrets.token_urlsafe(32)
        session_ends = session_expires_at or now + self._lifetimes.session
        await uow.refresh_tokens.add(hash_refresh_token(refresh_token), user.id, family_id or uuid.uuid4(),
                                     now, min(now + self._lifetimes.refresh, session_ends), session_ends)
        return OpenedSession(user, refresh_token)

    async def hand_out(self, opened: OpenedSession) -> SessionTokens:
        """Both tokens of a session whose refresh token is committed."""
        access_token = await self._access_tokens.issue(opened.user, self._clock.now(), self._lifetimes.access)
        return SessionTokens(access_token=access_token, refresh_token=opened.refresh_token,
                             user=UserView.of(opened.user))
