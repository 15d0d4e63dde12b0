"""Runs the Alembic migrations programmatically, against the URL given (never one read at import)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from adapters.sqlalchemy.storage_errors import storage_error

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Blocking (it runs its own event loop): call it from a thread inside async code."""
    try:
        command.upgrade(alembic_config(database_url), revision)
    except Exception as error:
        translated = storage_error(error)
        if translated is None:
            raise
        raise translated from error
