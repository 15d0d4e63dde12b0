"""Where the accounts' audit trail is kept."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from domain.trail import EventPosition, SecurityEvent


class SecurityEvents(Protocol):
    async def add(self, event: SecurityEvent) -> None: ...
    async def of_account(
        self, user_id: uuid.UUID, before: EventPosition | None, limit: int
    ) -> Sequence[SecurityEvent]:
        """Newest first, those before `before`."""
        ...

    async def scrub(self, user_id: uuid.UUID) -> None:
        """Keeps only the account id, the types and the times: for an account that was deleted."""
        ...

    async def prune(self, older_than: datetime, limit: int) -> int:
        """Deletes at most `limit` of the oldest entries from before `older_than`; how many went."""
        ...
