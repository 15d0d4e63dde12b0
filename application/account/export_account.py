from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from application.ports.unit_of_work import HasFactors, HasSecurityEvents, Transaction
from application.sessions.list_sessions import ListSessions
from application.shared.authenticate import Caller
from domain.factors import FactorListing
from domain.trail import SecurityEvent
from domain.views import SessionView, UserView


class _Work(Transaction, HasSecurityEvents, HasFactors, Protocol): ...


_ALL = 100_000  # the whole trail: it is pruned after SECURITY_EVENT_RETENTION_DAYS


@dataclass(frozen=True, slots=True)
class AccountExport:
    """Everything held about the account (GDPR Art. 15, 20), with no hash, token or code."""

    profile: UserView
    sessions: list[SessionView]
    security_events: list[SecurityEvent]
    factors: list[FactorListing]  # what and when; never a secret


class ExportAccount:
    def __init__(self, *, uow: _Work, sessions: ListSessions) -> None:
        self._uow = uow
        self._sessions = sessions

    async def execute(self, caller: Caller) -> AccountExport:
        sessions = await self._sessions.execute(caller)
        async with self._uow as uow:
            events = await uow.security_events.of_account(caller.user.id, None, _ALL)
            factors = await uow.factors.listing(caller.user.id)
        return AccountExport(
            profile=caller.user, sessions=list(sessions), security_events=list(events), factors=list(factors)
        )
