"""Limits on requests, by named rule: every rule's window and limit in one table, every key built here."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


class Rule(str, enum.Enum):
    """What is counted; the value prefixes the counter's key, as it has since counters were first kept."""

    SIGNUP_PER_CLIENT = "signup"
    LOGIN_PER_CLIENT = "login"
    PASSWORD_GUESSES = (
        "login-guesses"  # per account and client, at login and wherever a password is asked again
    )
    RESET_REQUESTS_PER_CLIENT = "password-reset-request"
    VERIFICATION_REQUESTS_PER_CLIENT = "resend-verification"
    EMAILS_PER_ADDRESS = "emails"  # every email to one address, of whatever kind
    ACCOUNT_CHANGES_PER_CLIENT = "account"  # change-password, change-email
    CODE_GUESSES_PER_CLIENT = "code-guesses"  # tries at the codes in emails
    # Wrong codes per address and client, whatever the code or its purpose: PASSWORD_GUESSES' sibling, with
    # its limit and window. Not the same counter: past it a code is answered as a wrong code, a password with
    # 429, and a code and a password are different secrets, each guessed at its own budget.
    CODE_FAILURES = "code-failures"
    LOGIN_CODE_REQUESTS_PER_CLIENT = "login-code-request"
    PASSKEY_CHALLENGES_PER_CLIENT = "passkey-challenges"  # sign-in options: each stores a challenge


@dataclass(frozen=True, slots=True)
class RateLimit:
    limit: int
    window: timedelta

    def window_start(self, now: datetime) -> datetime:
        seconds = self.window.total_seconds()
        return datetime.fromtimestamp(now.timestamp() // seconds * seconds, UTC)

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until the current window ends."""
        return int((self.window_start(now) + self.window - now).total_seconds()) + 1


Limits = Mapping[Rule, RateLimit]


@dataclass(frozen=True, slots=True)
class Spent:
    """One request counted: what a refund gives back, in the window it was counted in."""

    key: str
    window_start: datetime
