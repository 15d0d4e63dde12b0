"""Start-up's look at the master secret: whatever an earlier JWT_SECRET sealed in the database is sealed
again under this one (JWT_SECRET_PREVIOUS names the earlier ones), and a secret that opens none of it
stops the start with one line, rather than a key read failing later with AES-GCM's bare InvalidTag."""

from __future__ import annotations

import logging

from application.shared.errors import StorageError
from entrypoints.container import Container

logger = logging.getLogger("accounts")


async def open_sealed_secrets(container: Container, *, database_may_be_away: bool = False) -> None:
    """Raises MasterSecretMismatch (adapters/sqlalchemy/resealing.py) when JWT_SECRET cannot open them.

    `database_may_be_away`: a server or worker starts all the same, as it does for any outage, and opens
    each secret when it first needs it (with JWT_SECRET_PREVIOUS's keys too)."""
    try:
        resealed = await container.resealer().reseal()
    except StorageError as error:
        if not database_may_be_away:
            raise
        logger.warning(
            "could not look at the secrets sealed in the database now (%s); each is opened when first needed",
            error,
        )
        return
    if resealed:
        # Counts only: never a secret, nor which earlier value opened them.
        logger.warning(
            "sealed %d secret(s) sealed under an earlier JWT_SECRET again under the current one (%s); "
            "JWT_SECRET_PREVIOUS, if set, can go once every instance runs with this JWT_SECRET",
            sum(resealed.values()),
            ", ".join(f"{words}: {count}" for words, count in resealed.items()),
        )
