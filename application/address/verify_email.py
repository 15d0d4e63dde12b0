from __future__ import annotations

from typing import Protocol

from application.address._link_claims import VerificationLinkClaims
from application.ports.clock import Clock
from application.ports.crypto import TokenService
from application.ports.unit_of_work import HasCodes, HasEvents, HasSecurityEvents, HasUsers, Transaction
from application.shared.config import TokenLifetimes
from application.shared.record_event import record_event
from domain.codes import TokenPurpose
from domain.events import EventType
from domain.trail import SessionOrigin


class _Work(Transaction, HasUsers, HasCodes, HasEvents, HasSecurityEvents, Protocol): ...


class VerifyEmail:
    """Marks the address verified when the link's token is good; a second use changes nothing."""

    def __init__(self, *, uow: _Work, tokens: TokenService, lifetimes: TokenLifetimes, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock
        self._tokens = tokens
        self._lifetimes = lifetimes

    async def execute(self, token: str, origin: SessionOrigin = SessionOrigin()) -> bool:
        """True when this call verified the account, False when it was verified already."""
        link = VerificationLinkClaims.load(self._tokens, token, self._lifetimes)
        async with self._uow as uow:
            user = await uow.users.mark_verified(link.user_id, link.email)
            if user is None:  # verified already, or the link no longer fits the account (then it is refused)
                link.matches(await uow.users.get(link.user_id))
                return False
            now = self._clock.now()
            await uow.codes.retire(user.id, now, TokenPurpose.VERIFY_EMAIL)  # the code dies with its link
            await record_event(uow, EventType.USER_VERIFIED, user, now, origin=origin)
            await uow.commit()
        return True
