"""Where an account's second factors are kept: its authenticator app, recovery codes and passkeys."""

from __future__ import annotations

import uuid
from typing import Protocol

from domain.factors import FactorSummary


class FactorRepository(Protocol):
    """An account's second factors, as one summary: what there is, never a secret."""

    async def summary(self, user_id: uuid.UUID) -> FactorSummary:
        """Whether a confirmed authenticator app is set up, how many passkeys and unused recovery codes."""
        ...
