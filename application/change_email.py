from __future__ import annotations

import hmac
import uuid

from application.account_emails import AccountEmails, credentials_fingerprint
from application.config import TokenLifetimes
from application.ports import Clock, PasswordHasher, TokenPurpose, TokenService, UnitOfWork
from application.rate_limits import RateLimit, password_guesses_key
from domain.email import Email
from domain.errors import InvalidToken, RateLimited, UserAlreadyExists, WrongPassword
from domain.user import User


class ChangeEmail:
    """Sends a confirmation link to the new address and a notice to the old; nothing changes until the link."""

    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, emails: AccountEmails, clock: Clock,
                 per_address: RateLimit, failures: RateLimit, reveal_existing: bool = True) -> None:
        self._uow = uow
        self._hasher = hasher
        self._emails = emails
        self._clock = clock
        self._per_address = per_address
        self._failures = failures
        # False where sign-up hides taken addresses: then a taken one gets the usual answer, and no link.
        self._reveal_existing = reveal_existing

    async def execute(self, user: User, new_address: str, password: str, client: str = "") -> None:
        new_email = Email.parse(new_address)
        guesses_key = password_guesses_key(str(user.email), client)
        guesses_window = self._failures.window_start(self._clock.now())
        async with self._uow as uow:
            over = await uow.rate_limits.hit(guesses_key, guesses_window) > self._failures.limit
            await uow.commit()
        if over:
            raise RateLimited(self._failures.retry_after(self._clock.now()))
        if not await self._hasher.verify(user.password_hash, password):
            raise WrongPassword()
        window = self._per_address.window_start(self._clock.now())
        async with self._uow as uow:
            await uow.rate_limits.hit(guesses_key, guesses_window, -1)  # a right password is no guess
            taken = new_email != user.email and await uow.users.get_by_email(new_email) is not None
            if taken and self._reveal_existing:
                raise UserAlreadyExists("Another account uses this email address.", "Choose another address.")
            # The new address is anyone's: it gets no more emails than the per-address limit, silently.
            if not taken and await uow.rate_limits.hit(f"emails:{new_email}", window) <= self._per_address.limit:
                await uow.outbox.add(self._emails.email_change(user, new_email))
                await uow.outbox.add(self._emails.email_change_notice(user, new_email))
            await uow.commit()


class ConfirmEmailChange:
    """Follows the link sent to the new address: the account takes it, and links for the old one die."""

    def __init__(self, uow: UnitOfWork, tokens: TokenService, lifetimes: TokenLifetimes) -> None:
        self._uow = uow
        self._tokens = tokens
        self._lifetimes = lifetimes

    async def execute(self, token: str) -> User:
        claims = self._tokens.load(TokenPurpose.CHANGE_EMAIL, token, self._lifetimes.verification)
        try:
            user_id, new, fingerprint = uuid.UUID(claims["sub"]), Email.parse(claims["new"]), str(claims["fp"])
        except (KeyError, ValueError, TypeError):
            raise InvalidToken() from None
        async with self._uow as uow:
            user = await uow.users.get(user_id, for_update=True)
            # Used already, or the address or password changed since (a reset retires a pending change).
            if user is None or not hmac.compare_digest(credentials_fingerprint(user), fingerprint):
                raise InvalidToken()
            user.change_email(new)
            try:
                await uow.users.save(user)
            except UserAlreadyExists:
                raise UserAlreadyExists("Another account has taken this address since the link was sent.",
                                        "Ask for the change again with another address.") from None
            await uow.commit()
        return user
