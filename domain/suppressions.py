"""Addresses that bounce: a permanent refusal, or a provider's report, stops every later email to them.

Every bounce a sender keeps mailing hurts its reputation with the mail providers. The outbox row of an email
to a suppressed address is kept, marked `suppressed` with the reason; nothing is deleted, and the API answers
as it always does, so no caller learns the address is suppressed.
"""

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
