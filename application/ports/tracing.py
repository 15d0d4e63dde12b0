"""Joining a request's trace from the work it queued."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol


class Tracing(Protocol):
    def within(self, trace_context: str, name: str) -> AbstractContextManager[None]:
        """The work in the block is a span `name` of the trace `trace_context` names: what a request queued
        is answered, later and in another process, in the request's trace."""
        ...
