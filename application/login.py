from __future__ import annotations

import hashlib

from application.ports import Clock, PasswordHasher, UnitOfWork
from application.rate_limits import RateLimit, count_request, password_guesses_key
from application.session_tokens import SessionIssuer
from application.views import SessionTokens
from domain.email import Email
from domain.errors import InvalidCredentials, InvalidEmail, RateLimited


class Login:
    """Checks email and password and opens a session; one answer for an unknown email and a wrong password."""

    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, sessions: SessionIssuer, clock: Clock,
                 failures: RateLimit, per_client: RateLimit, allow_unverified: bool = True) -> None:
        self._uow = uow
        self._per_client = per_client
        self._hasher = hasher
        self._sessions = sessions
        self._clock = clock
        self._failures = failures
        # False where sign-up hides taken addresses: an unverified account's login would tell one exists.
        self._allow_unverified = allow_unverified

    async def execute(self, address: str, password: str, client: str = "") -> SessionTokens:
        try:
            email: Email | None = Email.parse(address)
        except InvalidEmail:
            email = None
        # Guesses count per address and client, known address or not, so the lock tells nothing, and one
        # attacker cannot lock the person out from the person's own address; it lifts when its window ends.
        # Text that is no address (a NUL, say) is counted under a digest, as it may not even be storable.
        subject = str(email) if email else hashlib.sha256(address.strip().lower().encode()).hexdigest()
        now = self._clock.now()
        guesses_key, window = password_guesses_key(subject, client), self._failures.window_start(now)
        async with self._uow as uow:
            # The client's requests, then its guesses at this address, each counted in one statement before
            # the check, and committed with the lookup: concurrent guesses cannot slip past the limit.
            await count_request(uow, "login", client, self._per_client, now)
            over = await uow.rate_limits.hit(guesses_key, window) > self._failures.limit
            user = await uow.users.get_by_email(email) if email is not None and not over else None
            await uow.commit()
        if over:
            raise RateLimited(self._failures.retry_after(self._clock.now()))
        # With no user the hasher still spends a hash, so timing does not tell which part was wrong.
        valid = await self._hasher.verify(user.password_hash if user else None, password)
        if user is None or not valid or not (user.is_verified or self._allow_unverified):
            raise InvalidCredentials()
        checked_hash = user.password_hash
        upgraded = await self._hasher.hash(password) if self._hasher.needs_rehash(checked_hash) else None
        async with self._uow as uow:
            # Locked and read again: a password reset that landed since the check must win, not this login.
            user = await uow.users.get(user.id, for_update=True)
            if user is None or user.password_hash != checked_hash:
                raise InvalidCredentials()
            if upgraded is not None:
                user.rehash_password(upgraded)
                await uow.users.save(user)
            await uow.rate_limits.hit(guesses_key, window, -1)  # a right password is no guess
            session = await self._sessions.issue(uow, user)
            await uow.commit()
        return session
