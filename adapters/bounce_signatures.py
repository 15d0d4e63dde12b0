"""Bounce reports from a mail provider's relay, signed with the Standard Webhooks scheme."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from application.ports.clock import Clock

TOLERANCE = timedelta(minutes=5)  # the standardwebhooks package's, either way of now
MAX_AHEAD = timedelta(seconds=60)  # a relay's clock a little fast, no more: a report cannot be dated ahead
MAX_ID_LENGTH = 255  # what bounce_receipts holds; providers' ids are far shorter


class UnsignedReport(Exception):
    pass


@dataclass(frozen=True, slots=True)
class SignedReport:
    report_id: str  # the webhook-id: the same on every copy of one report
    replayable_until: datetime  # until when a copy of it would still pass verify(), on any instance


class StandardWebhooksVerifier:
    def __init__(self, *, secret: str, clock: Clock) -> None:
        self._webhook = Webhook(secret)
        self._clock = clock

    def verify(self, body: bytes, headers: Mapping[str, str]) -> SignedReport:
        """Raises UnsignedReport unless the body is signed with our secret, dated within the last five
        minutes and at most a minute ahead."""
        wanted = {
            name: headers.get(name, "") for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
        }
        try:
            self._webhook.verify(body, wanted)
            sent_at = datetime.fromtimestamp(float(wanted["webhook-timestamp"]), UTC)
        except (WebhookVerificationError, ValueError, TypeError, OverflowError):
            raise UnsignedReport() from None
        now = self._clock.now()
        # The package allows five minutes ahead too; a report from the future would stay replayable longer.
        if not now - TOLERANCE <= sent_at <= now + MAX_AHEAD or len(wanted["webhook-id"]) > MAX_ID_LENGTH:
            raise UnsignedReport()
        # Another instance's clock may run behind this one's: its id is kept a minute past the tolerance.
        return SignedReport(wanted["webhook-id"], sent_at + TOLERANCE + MAX_AHEAD)
