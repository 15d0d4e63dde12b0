"""One-time codes sent in emails, their digests, and the runs of wrong ones."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from domain.codes import OneTimeCode, TokenPurpose
from domain.email import Email


class OneTimeCodes(Protocol):
    """The codes of emails: one live code per account and purpose, and per address and purpose."""

    async def replace(self, code: OneTimeCode) -> None:
        """Stores the code, retiring the older one of its purpose for the account and for the address."""
        ...

    async def hold(
        self, email: Email, purpose: TokenPurpose, when: datetime, user_id: uuid.UUID | None = None
    ) -> OneTimeCode | None:
        """The unexpired code sent to `email` for `purpose` (of `user_id`'s, if given), used or not, held
        until the unit of work ends, so concurrent tries at it are judged one after the other; None when
        none."""
        ...

    async def count_wrong(self, code_id: uuid.UUID, wrong: bool) -> None:
        """One more wrong try at the code if `wrong`; one statement whether or not the code exists or the try
        was wrong, so its cost tells neither."""
        ...

    async def spend(self, code_id: uuid.UUID, when: datetime, max_attempts: int) -> bool:
        """Uses the code up if it is unused, still lives at `when` and has had fewer than `max_attempts` wrong
        tries; False when it was used, retired or died already (of concurrent spends, one wins)."""
        ...

    async def retire(self, user_id: uuid.UUID, when: datetime, *purposes: TokenPurpose) -> None:
        """The account's live codes of these purposes (of every purpose, when none is named) stop working:
        used up at `when`, as far as a later try at them can tell."""
        ...


class CodeFailures(Protocol):
    """Wrong codes in a row at one address, from every client, until a success ends the run."""

    async def count(self, email: Email, when: datetime, amount: int = 1) -> int:
        """Adds `amount` (one try, or -1 to take one back) at once for every caller; the run after it."""
        ...

    async def clear(self, email: Email) -> None:
        """The address's owner proved it (a right code, password or login link): the run ends."""
        ...

    async def prune(self, quiet_since: datetime, limit: int = 1000) -> int:
        """Deletes at most `limit` runs of addresses that have no account and no failure since
        `quiet_since`."""
        ...


class CodeDigests(Protocol):
    """Keyed digests of codes: a stolen table cannot be searched for the code behind a digest."""

    def digest(self, code: str, purpose: TokenPurpose, user_id: uuid.UUID, email: Email) -> str: ...
