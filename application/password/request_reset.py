from __future__ import annotations

from application.shared.record_email_request import RecordEmailRequest
from domain.email_requests import EmailRequestKind
from domain.limits import Rule


class RequestReset(RecordEmailRequest):
    """Asks for a password-reset link for an address."""

    kind = EmailRequestKind.RESET_PASSWORD
    per_client = Rule.RESET_REQUESTS_PER_CLIENT
