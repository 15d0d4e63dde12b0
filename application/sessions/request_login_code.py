from __future__ import annotations

from application.shared.record_email_request import RecordEmailRequest
from domain.email_requests import EmailRequestKind
from domain.limits import Rule


class RequestLoginCode(RecordEmailRequest):
    """Asks for a sign-in code for an address (sent only if it has an account)."""

    kind = EmailRequestKind.LOGIN_CODE
    per_client = Rule.LOGIN_CODE_REQUESTS_PER_CLIENT
