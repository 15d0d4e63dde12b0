"""The audit trail: what happened to an account's security, append-only, for its owner and administrators.

Each entry is a kind, a time, the account, where from and, for an administrator's act, who did it; never a
password, hash, token, code or link.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime


class SecurityEventType(str, enum.Enum):
    SIGNED_UP = "signed_up"
    VERIFIED = "verified"
    LOGIN_SUCCEEDED = "login_succeeded"
    LOGIN_FAILED = "login_failed"  # a wrong password for an account; an unknown address is no account's
    SIGNED_IN_BY_CODE = "signed_in_by_code"
    CODE_FAILED = "code_failed"  # a wrong or dead code for an account's live one; the detail says its purpose
    RESET_REQUESTED = "reset_requested"  # recorded by the worker, when the email goes to the account
    RESET_COMPLETED = "reset_completed"
    PASSWORD_CHANGED = "password_changed"
    EMAIL_CHANGED = "email_changed"
    SESSION_ENDED = "session_ended"
    SESSIONS_REVOKED = "sessions_revoked"
    ACCOUNT_DISABLED = "account_disabled"
    ACCOUNT_ENABLED = "account_enabled"
    ROLE_CHANGED = "role_changed"
    ACCOUNT_DELETED = "account_deleted"
    TOTP_ENABLED = "totp_enabled"  # an authenticator app confirmed
    TOTP_DISABLED = "totp_disabled"
    RECOVERY_CODES_ISSUED = "recovery_codes_issued"
    RECOVERY_CODE_USED = "recovery_code_used"
    SECOND_FACTOR_FAILED = "second_factor_failed"  # a wrong answer to a sign-in's second step; detail: how
    MFA_RESET = "mfa_reset"  # every factor removed by an administrator (actor_id) or the command line
    REAUTHENTICATED = "reauthenticated"  # a session's sign-in confirmed again; the detail says how
    REAUTHENTICATION_FAILED = "reauthentication_failed"  # the detail says what was wrong


@dataclass(frozen=True, slots=True)
class SessionOrigin:
    """Where a request came from: the client's address and a short label of its device, for the account's
    owner (on its sessions and its trail)."""

    ip: str = ""
    device: str = ""


@dataclass(frozen=True, slots=True)
class SecurityEvent:
    type: SecurityEventType
    user_id: uuid.UUID
    occurred_at: datetime
    ip: str = ""
    device: str = ""
    actor_id: uuid.UUID | None = None  # the administrator who acted, when one did
    detail: str = ""  # a reason class or a new role: a word from our own list, never the caller's text
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    @classmethod
    def at(
        cls,
        origin: SessionOrigin,
        type: SecurityEventType,
        user_id: uuid.UUID,
        occurred_at: datetime,
        *,
        actor_id: uuid.UUID | None = None,
        detail: str = "",
    ) -> SecurityEvent:
        """An entry with where its request came from."""
        return cls(
            type, user_id, occurred_at, ip=origin.ip, device=origin.device, actor_id=actor_id, detail=detail
        )


@dataclass(frozen=True, slots=True)
class EventPosition:
    occurred_at: datetime
    id: uuid.UUID
