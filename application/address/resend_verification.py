from __future__ import annotations

from application.shared.record_email_request import RecordEmailRequest
from domain.email_requests import EmailRequestKind
from domain.limits import Rule


class ResendVerification(RecordEmailRequest):
    """Asks for a new verification link for an address (sent only if it has an unverified account)."""

    kind = EmailRequestKind.VERIFY_EMAIL
    per_client = Rule.VERIFICATION_REQUESTS_PER_CLIENT
