from __future__ import annotations

from application.email_requests import RecordEmailRequest
from application.ports import EmailRequestKind
from application.throttle import Rule


class RequestLoginCode(RecordEmailRequest):
    """Asks for a sign-in code for an address (sent only if it has an account)."""

    kind = EmailRequestKind.LOGIN_CODE
    per_client = Rule.LOGIN_CODE_REQUESTS_PER_CLIENT
