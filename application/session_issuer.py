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

from application.config import TokenLifetimes
from application.ports import AccessTokenService, Clock, RefreshTokenRecord, SessionOrigin, UnitOfWork
from application.views import SessionTokens, UserView
from domain.user import User


def hash_refresh_token(token: str) -> str:
    # Only the hash is stored: a leaked table does not hand out sessions.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class OpenedSession:
    user: User
    refresh_token: str
    session_id: uuid.UUID


class SessionIssuer:
    def __init__(self, *, access_tokens: AccessTokenService, clock: Clock, lifetimes: TokenLifetimes) -> None:
        self._access_tokens = access_tokens
        self._clock = clock
        self._lifetimes = lifetimes

    async def open(self, uow: UnitOfWork, user: User, origin: SessionOrigin = SessionOrigin(),
                   continuing: RefreshTokenRecord | None = None) -> OpenedSession:
        """Stores a new refresh token in `uow` (the caller commits, then calls `hand_out`).

        A new session ends `lifetimes.session` from now; a rotation (`continuing` the token it replaces)
        keeps its session's id, start, end and origin.
        """
        now = self._clock.now()
        refresh_token = secrets.token_urlsafe(32)
        if continuing is None:
            family, started, ends = uuid.uuid4(), now, now + self._lifetimes.session
        else:
            family, origin = continuing.family_id, continuing.origin
            started = continuing.started_at or now
            ends = continuing.session_expires_at or now + self._lifetimes.session
        await uow.refresh_tokens.add(hash_refresh_token(refresh_token), user.id, family, now,
                                     min(now + self._lifetimes.refresh, ends), ends, started_at=started,
                                     origin=origin)
        return OpenedSession(user, refresh_token, family)

    async def hand_out(self, opened: OpenedSession) -> SessionTokens:
        """Both tokens of a session whose refresh token is committed."""
        access_token = await self._access_tokens.issue(opened.user, self._clock.now(), self._lifetimes.access,
                                                       session_id=opened.session_id)
        return SessionTokens(access_token=access_token, refresh_token=opened.refresh_token,
                             user=UserView.of(opened.user))
