"""The six-digit codes beside the links in emails, for a person who reads the email on one device and
acts on another, or whose mail system opens every link before they do."""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from application.ports.clock import Clock
from application.ports.codes import CodeDigests
from application.ports.unit_of_work import (
    HasCodeFailures,
    HasCodes,
    HasSecurityEvents,
    HasThrottle,
    HasUsers,
    Transaction,
)
from domain.codes import OneTimeCode, TokenPurpose
from domain.email import Email
from domain.errors import InvalidCode
from domain.limits import Rule
from domain.trail import SecurityEvent, SecurityEventType, SessionOrigin
from domain.user import User


class _Checking(Transaction, HasThrottle, HasCodes, HasCodeFailures, HasSecurityEvents, Protocol):
    """What judging a guess touches, in transactions of its own."""


class _Redeeming(HasUsers, HasCodes, Protocol):
    """What redeeming touches, in the caller's transaction."""


MAX_ATTEMPTS = 5  # wrong tries at one code, from any client, before it dies
# Wrong codes in a row at one address, from every client, before every code to it is refused until its owner
# proves it otherwise: NIST SP 800-63B's "no more than 100 consecutive failed attempts", over any period.
MAX_FAILURES_IN_A_ROW = 100
_NOBODY = uuid.UUID(int=0)


def _new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


@dataclass(frozen=True, slots=True)
class IssuedCode:
    code: str  # the digits, for the email; only their digest is stored
    id: uuid.UUID


class CodeBook:
    def __init__(
        self,
        *,
        digests: CodeDigests,
        clock: Clock,
        max_attempts: int = MAX_ATTEMPTS,
        max_failures_in_a_row: int = MAX_FAILURES_IN_A_ROW,
    ) -> None:
        self._digests = digests
        self._clock = clock
        self._max_attempts = max_attempts
        self._max_failures_in_a_row = max_failures_in_a_row

    async def issue(
        self, uow: HasCodes, user: User, purpose: TokenPurpose, email: Email, lifetime: timedelta
    ) -> IssuedCode:
        """A new code, stored in `uow` (the caller commits), retiring the older one; it lives as the link
        does."""
        code, now = _new_code(), self._clock.now()
        stored = OneTimeCode(
            user_id=user.id,
            purpose=purpose,
            email=email,
            created_at=now,
            digest=self._digests.digest(code, purpose, user.id, email),
            expires_at=now + lifetime,
        )
        await uow.codes.replace(stored)
        return IssuedCode(code, stored.id)

    async def check(
        self,
        uow: _Checking,
        address: str,
        code: str,
        purpose: TokenPurpose,
        client: str,
        user_id: uuid.UUID | None = None,
        origin: SessionOrigin = SessionOrigin(),
    ) -> OneTimeCode:
        """The live code `code` is, judged and committed; InvalidCode for a wrong, dead, used or unknown one
        alike, and for every code to an address past its limits. An address with no code costs the same work.

        Wrong codes are counted twice, whatever the code or purpose, known address or not: per address and
        client in login's window (Rule.CODE_FAILURES), and per address in a row from every client until its
        owner proves it (MAX_FAILURES_IN_A_ROW). Past either, even the right code is refused, as a wrong one.
        The run is ended by a success only: a right code, password (Login), login link or reset link; a run
        that ended with time would give 100 more guesses every period. The price is that anyone can stop the
        codes to an address with 100 wrong ones from 10 clients, a lockout we accept because it stops at the
        codes: the links in the same emails are unguessable and so not limited, and any of those successes
        ends the run, so the owner is never locked out of the account.

        A try is counted before it is judged, so concurrent guesses cannot pass a limit, and a right one takes
        its count back: a use that lost the race to another use of the right code is no wrong guess."""
        email = Email.parse(address)
        typed = "".join(code.split())
        async with uow:
            now = self._clock.now()
            # The counters before the code, as everywhere: what holds a code row never waits for a counter.
            await uow.throttle.spend(Rule.CODE_GUESSES_PER_CLIENT, client)
            guess = await uow.throttle.spend_within(Rule.CODE_FAILURES, str(email), client)
            in_a_row = await uow.code_failures.count(email, now)
            found = await uow.codes.hold(email, purpose, now, user_id)
            offered = self._digests.digest(typed, purpose, found.user_id if found else _NOBODY, email)
            right = found is not None and hmac.compare_digest(offered, found.digest)
            within = guess if in_a_row <= self._max_failures_in_a_row else None  # None: past a limit
            live = found is not None and found.used_at is None and found.attempts < self._max_attempts
            # Past a limit a try does not count on the code: the owner's code outlives an attacker's refusals.
            await uow.codes.count_wrong(
                found.id if found else _NOBODY, wrong=not right and within is not None
            )
            if right and within is not None:  # no wrong guess, whether it wins or was beaten to it
                await uow.throttle.refund(within)
                if live:
                    await uow.code_failures.clear(email)
                else:
                    await uow.code_failures.count(email, now, -1)
            await uow.commit()
        if right and within is not None:
            if not live:
                # Used by another use of it (or its link), or dead: answered as a wrong one.
                raise InvalidCode()
            assert found is not None
            return found
        async with uow:
            # Apart from the code's transaction, which held its row: an event row waits on its account's row,
            # and whoever holds that (a deletion, a redeem) waits on the code's. One transaction whether or
            # not the address has a code, so the failure's cost tells nothing.
            if found is not None:
                await uow.security_events.add(
                    SecurityEvent.at(
                        origin,
                        SecurityEventType.CODE_FAILED,
                        found.user_id,
                        self._clock.now(),
                        detail=purpose.value,
                    )
                )
            await uow.commit()
        raise InvalidCode()

    async def redeem(
        self, uow: _Redeeming, code_id: uuid.UUID, user_id: uuid.UUID, sent_to: Email | None = None
    ) -> User:
        """In `uow`, the code used up and its account held for change; InvalidCode when it was used meanwhile
        (by its link, or another use of the code), died, or its account has left the address it was sent to.
        The account is held before the code, as a deletion holds them."""
        user = await uow.users.get_for_change(user_id)
        if (
            user is None
            or (sent_to is not None and user.email != sent_to)
            or not await uow.codes.spend(code_id, self._clock.now(), self._max_attempts)
        ):
            raise InvalidCode()
        return user
