"""The development backend: prints each email to the log, so the link in it can be followed."""

from __future__ import annotations

import logging

from domain.mail import OutboxMessage

log = logging.getLogger("accounts.mail")


class ConsoleMailSender:
    async def send(self, message: OutboxMessage) -> None:
        log.info(
            "email %s\nTo: %s\nSubject: %s\n\n%s",
            message.message_id,
            message.recipient,
            message.content.subject,
            message.content.text_body,
        )

    async def close(self) -> None:
        pass
