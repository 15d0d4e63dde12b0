"""Bounce reports from a mail provider's relay, signed with the Standard Webhooks scheme."""

from __future__ import annotations

from collections.abc import Mapping

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


class UnsignedReport(Exception):
    pass


class StandardWebhooksVerifier:
    def __init__(self, *, secret: str) -> None:
        self._webhook = Webhook(secret)

    def verify(self, body: bytes, headers: Mapping[str, str]) -> None:
        """Raises UnsignedReport unless the body is signed with our secret within the last five minutes."""
        wanted = {name: headers.get(name, "") for name in ("webhook-id", "webhook-timestamp", "webhook-signature")}
        try:
            self._webhook.verify(body, wanted)
        except (WebhookVerificationError, ValueError, TypeError):
            raise UnsignedReport() from None
