"""Plain settings the use cases need, filled in by the composition root."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class TokenLifetimes:
    verification: timedelta = timedelta(hours=24)
    reset: timedelta = timedelta(hours=1)
    access: timedelta = timedelta(minutes=15)
    refresh: timedelta = timedelta(days=14)
    # However often it is refreshed, a session ends this long after its login.
    session: timedelta = timedelta(days=30)
    # A refresh token shown again this soon after its use is a race of the owner's own (two tabs, a retry).
    refresh_reuse_grace: timedelta = timedelta(seconds=10)
    reauthentication: timedelta = timedelta(minutes=15)  # how recent a sign-in sensitive actions need
    login_code: timedelta = timedelta(minutes=15)
    mfa_token: timedelta = timedelta(minutes=5)  # a sign-in that proved its first factor waits this long


@dataclass(frozen=True, slots=True)
class Links:
    """URL templates for the links in emails; `{token}` is replaced by the signed token."""

    verify_email: str
    reset_password: str
    change_email: str
    # The page that asks for a reset link, for the notices that say "if it was not you".
    forgot_password: str = ""
    # A front end's page that signs in with the token of a login email; none: the email has a code only.
    login: str | None = None

    def verification(self, token: str) -> str:
        return self.verify_email.replace("{token}", token)

    def reset(self, token: str) -> str:
        return self.reset_password.replace("{token}", token)

    def email_change(self, token: str) -> str:
        return self.change_email.replace("{token}", token)

    def sign_in(self, token: str) -> str | None:
        return self.login.replace("{token}", token) if self.login else None


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    max_attempts: int = 8
    first_retry: timedelta = timedelta(seconds=30)
    max_retry: timedelta = timedelta(hours=1)
    lease: timedelta = timedelta(minutes=2)
    batch_size: int = 50

    def retry_at(self, attempts: int, now: datetime, jitter: random.Random) -> datetime | None:
        """When to try again after `attempts` failed ones; None once they are spent."""
        if attempts >= self.max_attempts:
            return None
        backoff = min(self.first_retry * 2 ** (attempts - 1), self.max_retry)
        # Jitter spreads the retries of many messages that failed together.
        return now + timedelta(seconds=jitter.uniform(0.5, 1.0) * backoff.total_seconds())
