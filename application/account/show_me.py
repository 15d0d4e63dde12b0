from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from application.ports.clock import Clock
from application.ports.sessions import AccessTokenService
from application.ports.unit_of_work import HasUsers, Transaction
from application.shared.authenticate import admitted, session_of
from domain.views import UserView


class _Work(Transaction, HasUsers, Protocol): ...


@dataclass(frozen=True, slots=True)
class Me:
    user: UserView
    # False while the address is on the suppression list; None until the address is verified, since anyone
    # may sign up with someone else's address and would learn from False that it bounced or complained.
    email_deliverable: bool | None


class ShowMe:
    """The bearer's own account, and whether email reaches its address: one look-up for both (and for
    whether the token's session is still live)."""

    def __init__(self, *, uow: _Work, access_tokens: AccessTokenService, clock: Clock) -> None:
        self._uow = uow
        self._access_tokens = access_tokens
        self._clock = clock

    async def execute(self, access_token: str) -> Me:
        claims = await self._access_tokens.decode(access_token)
        session_id = session_of(claims)
        async with self._uow as uow:
            found = await uow.users.get_for_bearer(
                claims.user_id, session_id, self._clock.now(), with_suppression=True
            )
        view = UserView.of(admitted(found, claims))
        deliverable = not (found is not None and found.suppressed)
        return Me(view, email_deliverable=deliverable if view.is_verified else None)
