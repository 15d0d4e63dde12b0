from __future__ import annotations

from application.address._link_claims import VerificationLinkClaims
from application.ports.clock import Clock
from application.ports.crypto import TokenService
from application.ports.unit_of_work import UnitOfWork
from application.shared.config import TokenLifetimes
from application.shared.record_event import record_event
from domain.codes import TokenPurpose
from domain.events import EventType
from domain.trail import SessionOrigin


class VerifyEmail:
    """Marks the address verified when the link's token is good; a second use changes nothing."""

    def __init__(
        self, *, uow: UnitOfWork, tokens: TokenService, lifetimes: TokenLifetimes, clock: Clock
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._tokens = tokens
        self._lifetimes = lifetimes

    async def execute(self, token: str, origin: SessionOrigin = SessionOrigin()) -> bool:
        """True when this call verified the account, False when it was verified already."""
        link = VerificationLinkClaims.load(self._tokens, token, self._lifetimes)
        async with self._uow as uow:
            user = link.matches(await uow.users.get_for_change(link.user_id))
            if not user.verify_email(link.email):
                return False
            await uow.users.save(user)
            now = self._clock.now()
            await uow.codes.retire(user.id, now, TokenPurpose.VERIFY_EMAIL)  # the code dies with its link
            await record_event(uow, EventType.USER_VERIFIED, user, now, origin=origin)
            await uow.commit()
        return True
