"""Where an account's second factors are kept (its authenticator app, recovery codes and passkeys), the
sign-ins waiting for one, and the authenticator-app codes themselves."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from domain.factors import FactorListing, FactorSummary, PendingSignIn, TotpEnrolment, TotpFactor


class FactorRepository(Protocol):
    """An account's second factors: a summary of what there is, and the changes to each."""

    async def summary(self, user_id: uuid.UUID) -> FactorSummary:
        """Whether a confirmed authenticator app is set up, how many passkeys and unused recovery codes."""
        ...

    async def listing(self, user_id: uuid.UUID) -> Sequence[FactorListing]:
        """Each confirmed factor (authenticator app, passkeys) with its dates, oldest first; no secret."""
        ...

    async def get_totp(self, user_id: uuid.UUID) -> TotpFactor | None: ...

    async def put_totp(self, factor: TotpFactor) -> None:
        """Stores a pending authenticator app, replacing a pending one; a confirmed one is left as it is."""
        ...

    async def confirm_totp(self, user_id: uuid.UUID, when: datetime, step: int) -> bool:
        """Confirms the pending app with the code of `step` (then spent); False when none is pending."""
        ...

    async def use_totp_step(self, user_id: uuid.UUID, step: int) -> bool:
        """Spends `step` for the confirmed app, at once: False when it or a later step was used already."""
        ...

    async def remove_totp(self, user_id: uuid.UUID) -> bool:
        """Removes the account's authenticator app, pending or confirmed; False when it had none."""
        ...

    async def replace_recovery_codes(
        self, user_id: uuid.UUID, digests: Sequence[str], when: datetime
    ) -> None:
        """The account's recovery codes are these from now on; every earlier one is gone."""
        ...

    async def use_recovery_code(self, user_id: uuid.UUID, digest: str, when: datetime) -> bool:
        """Spends the unused code of that digest, at once: False when there is none."""
        ...

    async def remove_all(self, user_id: uuid.UUID) -> None:
        """Removes every factor of the account: its app, recovery codes and passkeys."""
        ...


class PendingSignIns(Protocol):
    """Sign-ins that proved a first factor and wait for the second, by the hash of their mfa_token."""

    async def add(self, pending: PendingSignIn) -> None: ...

    async def hold(self, token_hash: str, now: datetime) -> PendingSignIn | None:
        """The live one, held until the transaction ends (so it is completed once); None when gone."""
        ...

    async def record_failure(self, token_hash: str) -> int:
        """Counts a wrong answer; says how many there have been."""
        ...

    async def remove(self, token_hash: str) -> None: ...

    async def prune(self, expired_before: datetime, limit: int = 1000) -> int:
        """Deletes at most `limit` that expired before `expired_before`."""
        ...


class Authenticator(Protocol):
    """Authenticator-app codes (TOTP, RFC 6238: SHA-1, six digits, 30 seconds)."""

    def new_secret(self) -> str:
        """A new random base32 secret."""
        ...

    def enrolment(self, secret: str, account: str, issuer: str) -> TotpEnrolment:
        """The secret, its otpauth:// URI and a QR code of it (SVG), for an app to scan."""
        ...

    def matches(self, secret: str, code: str, step: int) -> bool:
        """Whether `code` is the secret's code for time step `step` (compared in constant time)."""
        ...
