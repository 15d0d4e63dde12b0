"""Telling an operator that a background loop lost the database, without a line per poll."""

from __future__ import annotations

import logging

MAX_BACKOFF_SECONDS = 5.0  # a worker resumes within this of the database's return


class Outage:
    """Says once that a loop cannot reach the database, and once that it can again: one line per outage,
    not one per poll; meanwhile the loop waits longer after each failure, up to MAX_BACKOFF_SECONDS."""

    def __init__(self, what: str, poll_seconds: float, logger: logging.Logger) -> None:
        self._what = what
        self._logger = logger
        self._poll_seconds = poll_seconds
        self._failures = 0

    @property
    def ongoing(self) -> bool:
        return self._failures > 0

    @property
    def backoff_seconds(self) -> float:
        return min(
            self._poll_seconds * 2 ** max(self._failures - 1, 0), max(MAX_BACKOFF_SECONDS, self._poll_seconds)
        )

    def failed(self) -> None:
        if not self.ongoing:
            self._logger.exception(
                "%s cannot reach the database; retrying, at most %.0f s apart",
                self._what,
                max(MAX_BACKOFF_SECONDS, self._poll_seconds),
            )
        self._failures += 1

    def over(self) -> None:
        if self.ongoing:
            self._logger.info("%s reaches the database again", self._what)
        self._failures = 0
