from __future__ import annotations

from application.ports import AccessTokenService, UnitOfWork
from domain.errors import NotAuthenticated
from domain.user import User


class Authenticate:
    """Resolves a bearer access token to its user; tokens issued before a password change are refused."""

    def __init__(self, uow: UnitOfWork, access_tokens: AccessTokenService) -> None:
        self._uow = uow
        self._access_tokens = access_tokens

    async def execute(self, access_token: str) -> User:
        user_id, issued_at = self._access_tokens.decode(access_token)
        async with self._uow as uow:
            user = await uow.users.get(user_id)
        if user is None or user.issued_before_password_change(issued_at):
            raise NotAuthenticated("The access token is no longer valid.", "Log in again.")
        return user
