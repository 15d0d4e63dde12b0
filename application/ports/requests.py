"""Requests for an email about an address, answered later by the worker."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from domain.email_requests import EmailRequest


class EmailRequests(Protocol):
    """Requests for an email about an address, answered later by the worker whether or not it has an
    account."""

    async def add(self, request: EmailRequest) -> None: ...
    async def claim(self, limit: int) -> Sequence[EmailRequest]:
        """Unanswered requests, oldest first, that no other worker holds (locked until the commit)."""
        ...

    async def mark_processed(self, request_ids: Sequence[uuid.UUID], when: datetime) -> None: ...
    async def take(self, limit: int, when: datetime) -> Sequence[EmailRequest]:
        """As claim, the requests marked processed at `when` at once: answered if the caller commits, waiting
        again if it rolls back."""
        ...

    async def prune(self, processed_before: datetime, limit: int = 1000) -> int:
        """Deletes at most `limit` of the requests answered before `processed_before`; how many went."""
        ...
