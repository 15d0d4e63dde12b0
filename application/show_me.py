from __future__ import annotations

from dataclasses import dataclass

from application.ports import UnitOfWork
from application.views import UserView


@dataclass(frozen=True, slots=True)
class Me:
    user: UserView
    email_deliverable: bool  # false while the address is on the suppression list


class ShowMe:
    """The caller's own account, and whether email reaches its address."""

    def __init__(self, *, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, user: UserView) -> Me:
        async with self._uow as uow:
            suppressed = await uow.suppressions.among([user.email])
        return Me(user, email_deliverable=not suppressed)
