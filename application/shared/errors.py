"""Failures of the world outside the use cases, in their terms: no driver's exception reaches the callers."""

from __future__ import annotations


class StorageError(Exception):
    """The database could not do the work; nothing of it was stored."""


class StorageUnavailable(StorageError):
    """The database did not answer, or the connection broke mid-way: worth trying again shortly."""


class StorageNotMigrated(StorageError):
    """The database has no schema, or an older one: `accounts migrate` brings it up to date."""
