"""Where sessions (refresh-token families) are kept, and the access tokens they issue."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from domain.factors import Proof
from domain.sessions import AccessClaims, RefreshTokenRecord, Spend
from domain.trail import SessionOrigin
from domain.user import User


class RefreshTokenRepository(Protocol):
    """Stores refresh tokens by the hash of their value, grouped in families (sessions) that rotate."""

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
        """`session_expires_at` defaults to `expires_at`, `started_at` to `issued_at`; `proof` is kept for
        the session's every token."""
        ...

    async def get(self, token_hash: str) -> RefreshTokenRecord | None: ...
    async def spend(
        self,
        token_hash: str,
        when: datetime,
        reuse_grace: timedelta = timedelta(0),
        successor_salt: str | None = None,
    ) -> Spend:
        """Retires a token, once, keeping `successor_salt` with it: of two concurrent spends of one token,
        one is SPENT and the other REUSED, unless the other comes within `reuse_grace` of the first (two
        tabs, a retried request): then it is RACED, and its record carries the first spend's salt. A token
        with a live token of its family issued after it (a fork made before there was one successor only)
        is REUSED too. A token revoked by a change that held its account first is REVOKED, however they
        raced."""
        ...

    async def live_sessions(self, user_id: uuid.UUID, now: datetime) -> Sequence[RefreshTokenRecord]:
        """The newest token of each session of the account that can still be refreshed, newest session
        first."""
        ...

    async def renew_proof(
        self, user_id: uuid.UUID, family_id: uuid.UUID, proof: Proof, now: datetime
    ) -> bool:
        """Sets `proof` on the live token of the account's session `family_id`, so its next refreshes carry
        it; False when the session has none (ended, spent to the last, or past its end)."""
        ...

    async def end_session(self, user_id: uuid.UUID, family_id: uuid.UUID, when: datetime) -> bool:
        """Revokes the account's session; False when it has none of that id still live."""
        ...

    async def revoke_family(self, user_id: uuid.UUID, family_id: uuid.UUID, when: datetime) -> None:
        """Every token of the account's session `family_id`."""
        ...

    async def revoke_all_for_user(
        self, user_id: uuid.UUID, when: datetime, keep_family: uuid.UUID | None = None
    ) -> None: ...
    async def prune(self, expired_before: datetime, limit: int = 1000) -> int:
        """Deletes at most `limit` of the tokens that expired before `expired_before` (spent and revoked ones
        too: a spent token is kept until it expires, so its reuse is caught while it could have worked)."""
        ...


class AccessTokenService(Protocol):
    """Short-lived bearer tokens for API calls (JWT, RFC 9068), which other services can verify too."""

    async def issue(
        self,
        user: User,
        issued_at: datetime,
        ttl: timedelta,
        session_id: uuid.UUID | None = None,
        proof: Proof | None = None,
    ) -> str:
        """With `proof`, the token carries `amr` and `auth_time`."""
        ...

    async def decode(self, token: str) -> AccessClaims:
        """What a good token says; raises NotAuthenticated for a bad or expired one."""
        ...
