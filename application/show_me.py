from __future__ import annotations

from dataclasses import dataclass

from application.authenticate import admitted
from application.ports import AccessTokenService, UnitOfWork
from application.views import UserView


@dataclass(frozen=True, slots=True)
class Me:
    user: UserView
    # False while the address is on the suppression list; None until the address is verified, since anyone
    # may sign up with someone else's address and would learn from False that it bounced or complained.
    email_deliverable: bool | None


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
        view = UserView.of(admitted(user, claims))
        return Me(view, email_deliverable=(not suppressed) if view.is_verified else None)
