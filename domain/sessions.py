"""Sessions: refresh-token records, what spending one comes to, and access-token claims."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime

from domain.factors import Proof
from domain.trail import SessionOrigin
from domain.user import User


@dataclass(frozen=True, slots=True)
class RefreshTokenRecord:
    token_hash: str
    user_id: uuid.UUID
    family_id: uuid.UUID  # the session: every token a login's refreshes lead to
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None
    # When the session (the family) ends, however often it is refreshed; no token of it outlives this.
    session_expires_at: datetime | None = None
    issued_at: datetime | None = None  # this token's: the session's last use
    started_at: datetime | None = None  # the login's
    origin: SessionOrigin = SessionOrigin()
    successor_salt: str | None = None  # set when spent: with the token, it makes its one successor again
    proof: Proof | None = None  # how the session's sign-in was proved (None: a session from before amr)


class SpendOutcome(enum.Enum):
    SPENT = "spent"  # retired now: its holder gets the next token of the family
    RACED = "raced"  # retired within the reuse grace: its holder gets the successor already issued, again
    REUSED = "reused"  # retired before (or its family has forked): someone else holds a copy
    REVOKED = "revoked"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Spend:
    outcome: SpendOutcome
    token: RefreshTokenRecord | None = None
    user: User | None = None  # the token's account; for SPENT, held as get_for_change holds it


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: uuid.UUID
    issued_at: datetime
    expires_at: datetime
    role: str
    email_verified: bool
    session_id: uuid.UUID | None = None  # the sid claim: the refresh-token family it was issued for
    proof: Proof | None = None  # the amr and auth_time claims (None: a token from before they were)
