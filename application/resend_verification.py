from __future__ import annotations

from application.email_requests import RecordEmailRequest
from application.ports import EmailRequestKind
from application.throttle import Rule


class ResendVerification(RecordEmailRequest):
    """Asks for a new verification link for an address (sent only if it has an unverified account)."""

    kind = EmailRequestKind.VERIFY_EMAIL
    per_client = Rule.VERIFICATION_REQUESTS_PER_CLIENT
