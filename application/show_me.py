from __future__ import annotations

from dataclasses import dataclass

from application.authenticate import admitted, session_of
from application.ports import AccessTokenService, Clock, UnitOfWork
from application.views import UserView


@dataclass(frozen=True, slots=True)
class Me:
    user: UserView
    email_deliverable: bool  # false while the address is on the suppression list


class ShowMe:
    """The bearer's own account, and whether email reaches its address: one look-up for both (and for
    whether the token's session is still live)."""

    def __init__(self, *, uow: UnitOfWork, access_tokens: AccessTokenService, clock: Clock) -> None:
        self._uow = uow
        self._access_tokens = access_tokens
        self._clock = clock

    async def execute(self, access_token: str) -> Me:
        claims = await self._access_tokens.decode(access_token)
        session_id = session_of(claims)
        async with self._uow as uow:
            found = await uow.users.get_for_bearer(claims.user_id, session_id, self._clock.now(),
                                                   with_suppression=True)
        user = admitted(found, claims)
        return Me(UserView.of(user), email_deliverable=not (found is not None and found.suppressed))
