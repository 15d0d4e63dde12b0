"""The six-digit codes beside the links in emails, for a person who reads the email on one device and
acts on another, or whose mail system opens every link before they do."""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from application.ports import Clock, CodeDigests, OneTimeCode, SessionOrigin, TokenPurpose, UnitOfWork
from application.security_events import SecurityEvent, SecurityEventType
from application.throttle import Rule
from domain.email import Email
from domain.errors import InvalidCode
from domain.user import User

MAX_ATTEMPTS = 5  # wrong tries at one code, from any client, before it dies
_NOBODY = uuid.UUID(int=0)


def _new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


@dataclass(frozen=True, slots=True)
class IssuedCode:
    code: str  # the digits, for the email; only their digest is stored
    id: uuid.UUID


class CodeBook:
    def __init__(self, *, digests: CodeDigests, clock: Clock, max_attempts: int = MAX_ATTEMPTS) -> None:
        self._digests = digests
        self._clock = clock
        self._max_attempts = max_attempts

    async def issue(self, uow: UnitOfWork, user: User, purpose: TokenPurpose, email: Email,
                    lifetime: timedelta) -> IssuedCode:
        """A new code, stored in `uow` (the caller commits), retiring the older one; it lives as the link does."""
        code, now = _new_code(), self._clock.now()
        stored = OneTimeCode(user_id=user.id, purpose=purpose, email=email, created_at=now,
                             digest=self._digests.digest(code, purpose, user.id, email), expires_at=now + lifetime)
        await uow.codes.replace(stored)
        return IssuedCode(code, stored.id)

    async def check(self, uow: UnitOfWork, address: str, code: str, purpose: TokenPurpose, client: str,
                    user_id: uuid.UUID | None = None, origin: SessionOrigin = SessionOrigin()) -> OneTimeCode:
        """The live code `code` is, its try counted and committed; InvalidCode for a wrong, dead or unknown
        one alike. An address with no code costs the same work: one counted try, one digest."""
        email = Email.parse(address)
        async with uow:
            await uow.throttle.spend(Rule.CODE_GUESSES_PER_CLIENT, client)
            found = await uow.codes.attempt(email, purpose, self._clock.now(), user_id)
            await uow.commit()
        offered = self._digests.digest("".join(code.split()), purpose, found.user_id if found else _NOBODY, email)
        if found is None or found.attempts > self._max_attempts or not hmac.compare_digest(offered, found.digest):
            async with uow:
                # One transaction whether or not the address has a code, so the failure's cost tells nothing.
                if found is not None:
                    await uow.security_events.add(SecurityEvent.at(origin, SecurityEventType.CODE_FAILED, found.user_id,
                                                                   self._clock.now(), detail=purpose.value))
                await uow.commit()
            raise InvalidCode()
        return found

    async def redeem(self, uow: UnitOfWork, code_id: uuid.UUID, user_id: uuid.UUID,
                     sent_to: Email | None = None) -> User:
        """In `uow`, the code used up and its account held for change; InvalidCode when it was used meanwhile
        (by its link, or another use of the code), died, or its account has left the address it was sent to."""
        user = await uow.users.get_for_change(user_id)
        if user is None or (sent_to is not None and user.email != sent_to) \
                or not await uow.codes.spend(code_id, self._clock.now(), self._max_attempts):
            raise InvalidCode()
        return user
