from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from application.ports.clock import Clock
from application.ports.unit_of_work import HasBounceReceipts, HasSuppressions, Transaction
from domain.email import Email
from domain.suppressions import Suppression, SuppressionSource


class _Work(Transaction, HasSuppressions, HasBounceReceipts, Protocol): ...


@dataclass(frozen=True, slots=True)
class BounceReport:
    email: str
    source: SuppressionSource  # HARD or COMPLAINT
    report_id: str  # the signed webhook-id: every copy of one report carries the same
    replayable_until: datetime  # until when a copy would still pass the signature check
    reason: str = ""


class RecordBounce:
    """A mail provider reports that an address bounced or complained: no more email goes to it. A report
    already acted on (the same id again) does nothing."""

    def __init__(self, *, uow: _Work, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, report: BounceReport) -> None:
        address = Email.parse(report.email)
        async with self._uow as uow:
            # Whoever saw a signed report could send it again within its tolerance and put back a
            # suppression an administrator has just lifted: only its first copy counts, on any instance.
            if not await uow.bounce_receipts.first_time(report.report_id, report.replayable_until):
                return
            await uow.suppressions.add(
                Suppression(address.value, report.source, report.reason[:500], self._clock.now())
            )
            await uow.commit()
