"""What a person types from an email: the address it was sent to and its code."""

from __future__ import annotations

from dataclasses import dataclass

from domain.trail import SessionOrigin


@dataclass(frozen=True, slots=True)
class CodeEntry:
    email: str
    code: str
    client: str = ""
    origin: SessionOrigin = SessionOrigin()  # for a sign-in: where its session is opened
