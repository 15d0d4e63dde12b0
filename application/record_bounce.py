from __future__ import annotations

from dataclasses import dataclass

from application.ports import Clock, UnitOfWork
from application.suppressions import Suppression, SuppressionSource
from domain.email import Email


@dataclass(frozen=True, slots=True)
class BounceReport:
    email: str
    source: SuppressionSource  # HARD or COMPLAINT
    reason: str = ""


class RecordBounce:
    """A mail provider reports that an address bounced or complained: no more email goes to it."""

    def __init__(self, *, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, report: BounceReport) -> None:
        address = Email.parse(report.email)
        async with self._uow as uow:
            await uow.suppressions.add(Suppression(address.value, report.source, report.reason[:500],
                                                   self._clock.now()))
            await uow.commit()
