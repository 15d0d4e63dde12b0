"""An outbox message as a MIME email, the one form every mail adapter writes out."""

from __future__ import annotations

import email.policy
import email.utils
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage

from domain.mail import DeliveryError, OutboxMessage


class _Headers(HeaderRegistry):
    """The standard registry, each header class made once: the stdlib's makes a new class with type() at every
    header it parses, some twenty per email, a tenth of building one."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(key)
        return made


# The SMTP policy refuses a CR or LF in a header value, so no value can smuggle in a header.
_POLICY = email.policy.SMTP.clone(header_factory=_Headers())


def build_mime(message: OutboxMessage, sender_address: str, sender_name: str) -> EmailMessage:
    mime = EmailMessage(policy=_POLICY)
    try:
        mime["From"] = _address(sender_address, sender_name)
        mime["To"] = _address(message.recipient)
        mime["Subject"] = message.content.subject
        # The outbox's id, never a fresh one: a retry is then recognisable as the same email.
        mime["Message-ID"] = message.message_id
        mime["Date"] = email.utils.format_datetime(message.created_at)
        _one_recipient(mime, message.recipient)
    except ValueError as error:
        # Rebuilding cannot fix this, so retrying would only repeat the failure.
        raise DeliveryError(f"cannot build email {message.message_id}: {error}", permanent=True) from None
    mime.set_content(message.content.text_body)
    mime.add_alternative(message.content.html_body, subtype="html")
    mime["Content-Language"] = message.content.language  # after the content, which clears Content-* headers
    return mime


def _address(addr_spec: str, display_name: str = "") -> Address:
    username, at, domain = addr_spec.rpartition("@")
    if not (username and at and domain) or "=?" in addr_spec:
        raise ValueError(f"{addr_spec!r} is not a plain address")
    return Address(display_name=display_name, username=username, domain=domain)


def _one_recipient(mime: EmailMessage, recipient: str) -> None:
    # A header is written out and read back as text, encoded words decoded: check that what a mail
    # program will read is the one address the outbox holds, and nobody else.
    addresses = mime["To"].addresses
    if len(addresses) != 1 or addresses[0].addr_spec != recipient:
        raise ValueError(f"the To header would not name exactly {recipient!r}")
