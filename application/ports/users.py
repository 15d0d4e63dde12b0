"""Where accounts are kept."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from domain.email import Email
from domain.user import BearerAccount, User, UserFilter, UserPosition


class UserRepository(Protocol):
    """Stores accounts; `add` and `save` take effect when the unit of work commits, and raise
    UserAlreadyExists when the address is another account's."""

    async def get(self, user_id: uuid.UUID) -> User | None: ...
    async def get_with_suppression(self, user_id: uuid.UUID) -> tuple[User, bool] | None:
        """The account, and whether its address is on the suppression list: one look-up for both."""
        ...

    async def get_for_bearer(
        self, user_id: uuid.UUID, session_id: uuid.UUID, now: datetime, *, with_suppression: bool = False
    ) -> BearerAccount | None:
        """The account, whether its session `session_id` is live at `now` (the session's newest refresh
        token is neither revoked nor expired), and, `with_suppression`, whether its address is on the
        suppression list: one look-up, as every bearer's request makes it."""
        ...

    async def get_for_change(self, user_id: uuid.UUID) -> User | None:
        """The account, held until the unit of work ends: a concurrent change of it waits, then sees this
        one."""
        ...

    async def get_by_email(self, email: Email) -> User | None: ...
    async def mark_verified(self, user_id: uuid.UUID, email: Email) -> User | None:
        """Verifies the account if it is unverified under `email`, holding it until the unit of work ends
        (as get_for_change does); the account as it now is, or None when nothing changed."""
        ...

    async def add(self, user: User) -> None: ...
    async def add_unless_taken(self, user: User) -> bool:
        """Adds the account unless its address is another's: then nothing is written, and no error raised."""
        ...

    async def save(self, user: User) -> None: ...
    async def delete(self, user: User) -> None:
        """The account and everything held for it (sessions, codes, the email requests that name it or its
        address) are gone at commit."""
        ...

    async def list(self, offset: int, limit: int) -> Sequence[User]: ...
    async def count(self) -> int: ...
    async def search(self, filter: UserFilter, after: UserPosition | None, limit: int) -> Sequence[User]:
        """Matching accounts in creation order, after `after`, each page served by an index."""
        ...

    async def lock_active_admins(self) -> Sequence[uuid.UUID]:
        """The verified, enabled administrators, held until the unit of work ends: two administrators
        demoting each other at once cannot both leave none."""
        ...
