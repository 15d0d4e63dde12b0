from __future__ import annotations

from dataclasses import dataclass

from application.authenticate import admitted
from application.ports import AccessTokenService, UnitOfWork
from application.views import UserView


@dataclass(frozen=True, slots=True)
class Me:
    user: UserView
    email_deliverable: bool  # false while the address is on the suppression list


class ShowMe:
    """The bearer's own account, and whether email reaches its address: one look-up for both."""

    def __init__(self, *, uow: UnitOfWork, access_tokens: AccessTokenService) -> None:
        self._uow = uow
        self._access_tokens = access_tokens

    async def execute(self, access_token: str) -> Me:
        claims = await self._access_tokens.decode(access_token)
        async with self._uow as uow:
            found = await uow.users.get_with_suppression(claims.user_id)
        user, suppressed = found if found is not None else (None, False)
        return Me(UserView.of(admitted(user, claims)), email_deliverable=not suppressed)
