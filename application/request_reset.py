from __future__ import annotations

from application.email_requests import RecordEmailRequest
from application.ports import EmailRequestKind
from application.throttle import Rule


class RequestReset(RecordEmailRequest):
    """Asks for a password-reset link for an address."""

    kind = EmailRequestKind.RESET_PASSWORD
    per_client = Rule.RESET_REQUESTS_PER_CLIENT
