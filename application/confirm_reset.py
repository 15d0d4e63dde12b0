from __future__ import annotations

import hmac
import uuid

from application.account_emails import reset_fingerprint
from application.config import TokenLifetimes
from application.ports import (
    Clock,
    PasswordHasher,
    TokenPurpose,
    TokenService,
    UnitOfWork,
)
from domain.errors import InvalidToken, PasswordsMismatch
from domain.password_policy import check_password
from domain.user import User


class ConfirmReset:
    """Sets a new password from a reset link; the link then dies, and so does every session."""

    def __init__(self, uow: UnitOfWork, tokens: TokenService, hasher: PasswordHasher, clock: Clock,
                 lifetimes: TokenLifetimes, common_passwords: frozenset[str] = frozenset()) -> None:
        self._uow = uow
        self._tokens = tokens
        self._hasher = hasher
        self._clock = clock
        self._lifetimes = lifetimes
        self._common_passwords = common_passwords

    async def execute(self, token: str, new_password: str, confirm_new_password: str) -> None:
        user_id, fingerprint = _reset_claims(self._tokens, token, self._lifetimes)
        if new_password != confirm_new_password:
            raise PasswordsMismatch()
        check_password(new_password, self._common_passwords)
        async with self._uow as uow:
            await _user_of_link(uow, user_id, fingerprint)  # a used link is refused before a hash is spent
        new_hash = await self._hasher.hash(new_password)
        async with self._uow as uow:
            # Checked again under the row lock: of two concurrent uses of one link, exactly one wins.
            user = await _user_of_link(uow, user_id, fingerprint, for_update=True)
            now = self._clock.now()
            user.change_password(new_hash, now)
            # Following the emailed link proves the mailbox is the user's.
            user.verify_email(user.email)
            await uow.users.save(user)
            await uow.refresh_tokens.revoke_all_for_user(user.id, now)
            await uow.commit()


class CheckResetLink:
    """Whether a reset link still works, without using it: for the page that shows its form."""

    def __init__(self, uow: UnitOfWork, tokens: TokenService, lifetimes: TokenLifetimes) -> None:
        self._uow = uow
        self._tokens = tokens
        self._lifetimes = lifetimes

    async def execute(self, token: str) -> None:
        """Raises InvalidToken or TokenExpired when the link does not work."""
        user_id, fingerprint = _reset_claims(self._tokens, token, self._lifetimes)
        async with self._uow as uow:
            await _user_of_link(uow, user_id, fingerprint)


def _reset_claims(tokens: TokenService, token: str, lifetimes: TokenLifetimes) -> tuple[uuid.UUID, str]:
    claims = tokens.load(TokenPurpose.RESET_PASSWORD, token, lifetimes.reset)
    try:
        return uuid.UUID(claims["sub"]), str(claims["fp"])
    except (KeyError, ValueError, TypeError):
        raise InvalidToken() from None


async def _user_of_link(uow: UnitOfWork, user_id: uuid.UUID, fingerprint: str, for_update: bool = False) -> User:
    """The account, if the link matches its current state; a used or superseded link is invalid."""
    user = await uow.users.get(user_id, for_update=for_update)
    if user is None or not hmac.compare_digest(reset_fingerprint(user), fingerprint):
        raise InvalidToken()
    return user
