"""Addresses no email goes to any more, and why."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class SuppressionSource(str, enum.Enum):
    SMTP = "smtp"  # our mail server refused the recipient with a 5xx
    HARD = "hard"  # a provider reported a hard bounce
    COMPLAINT = "complaint"  # the reader marked an email as spam


@dataclass(frozen=True, slots=True)
class Suppression:
    email: str
    source: SuppressionSource
    reason: str
    created_at: datetime
