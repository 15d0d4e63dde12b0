from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from application.admin.administer_account import no_such_account
from application.ports.clock import Clock
from application.ports.unit_of_work import (
    HasFactors,
    HasRefreshTokens,
    HasSecurityEvents,
    HasUsers,
    Transaction,
)
from application.shared.session_issuer import AWAITING_SECOND_FACTOR
from domain.email import Email
from domain.trail import EventPosition, SecurityEventType
from domain.views import UserView


class _Locating(Transaction, HasUsers, Protocol): ...


class _Work(Transaction, HasUsers, HasRefreshTokens, HasSecurityEvents, HasFactors, Protocol): ...


SIGN_INS = frozenset({SecurityEventType.LOGIN_SUCCEEDED, SecurityEventType.SIGNED_IN_BY_CODE})
_PAGE = 200  # trail entries read at a time while looking for the last sign-in


@dataclass(frozen=True, slots=True)
class AccountDetails:
    user: UserView
    sessions: int  # logins that can still be refreshed
    factors: tuple[str, ...]  # the second factors a sign-in can be completed with (totp, passkey, ...)
    email_deliverable: bool  # false while the address is on the suppression list
    last_sign_in: datetime | None  # by password or by code, as far back as the trail is kept


class LocateAccount:
    """One account by its id or by its address, for an operator who may know either."""

    def __init__(self, *, uow: _Locating) -> None:
        self._uow = uow

    async def execute(self, id_or_email: str) -> UserView | None:
        """None when no account has it; InvalidEmail when it is neither an id nor an address."""
        try:
            user_id = uuid.UUID(id_or_email)
        except ValueError:
            user_id = None
        async with self._uow as uow:
            if user_id is not None:
                user = await uow.users.get(user_id)
            else:
                user = await uow.users.get_by_email(Email.parse(id_or_email))
        return UserView.of(user) if user is not None else None


class DescribeAccount:
    """Everything an operator looks at first about one account: the account, its sessions, its second
    factors, whether email reaches it, and when it last signed in."""

    def __init__(self, *, uow: _Work, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, user_id: uuid.UUID) -> AccountDetails:
        async with self._uow as uow:
            found = await uow.users.get_with_suppression(user_id)
            if found is None:
                raise no_such_account()
            user, suppressed = found
            sessions = await uow.refresh_tokens.live_sessions(user_id, self._clock.now())
            last_sign_in = await _last_sign_in(uow, user_id)
            factors = tuple(method.value for method in (await uow.factors.summary(user_id)).methods)
        return AccountDetails(UserView.of(user), len(sessions), factors, not suppressed, last_sign_in)


async def _last_sign_in(uow: _Work, user_id: uuid.UUID) -> datetime | None:
    before = None
    while True:
        page = await uow.security_events.of_account(user_id, before, _PAGE)
        for event in page:
            if event.type in SIGN_INS and event.detail != AWAITING_SECOND_FACTOR:  # no session came of that
                return event.occurred_at
        if len(page) < _PAGE:
            return None
        before = EventPosition(page[-1].occurred_at, page[-1].id)
