"""An outbox message as a MIME email, the one form every mail adapter writes out."""

from __future__ import annotations

import email.policy
import email.utils
from email.message import EmailMessage

from application.mail import DeliveryError, OutboxMessage


def build_mime(message: OutboxMessage, sender_address: str, sender_name: str) -> EmailMessage:
    # The SMTP policy refuses a CR or LF in a header value, so no value can smuggle in a header.
    mime = EmailMessage(policy=email.policy.SMTP)
    try:
        mime["From"] = email.utils.formataddr((sender_name, sender_address))
        mime["To"] = message.recipient
        mime["Subject"] = message.content.subject
        # The outbox's id, never a fresh one: a retry is then recognisable as the same email.
        mime["Message-ID"] = message.message_id
        mime["Date"] = email.utils.format_datetime(message.created_at)
    except ValueError as error:
        # Rebuilding cannot fix this, so retrying would only repeat the failure.
        raise DeliveryError(f"cannot build email {message.message_id}: {error}", permanent=True) from None
    mime.set_content(message.content.text_body)
    mime.add_alternative(message.content.html_body, subtype="html")
    return mime
