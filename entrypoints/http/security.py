"""Who is calling: the bearer token's user, and RoleChecker for endpoints that need a role."""

from __future__ import annotations

from collections.abc import Iterable

from dependency_injector.wiring import Provide, inject
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from application.authenticate import Authenticate
from application.rate_limits import CheckRequestRate
from domain.errors import NotAuthenticated
from domain.user import Role, User
from entrypoints.container import Container
from entrypoints.http.client_address import client_key

bearer = HTTPBearer(auto_error=False, description="The access_token from /api/v1/auth/login")


@inject
async def current_user(
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    authenticate: Authenticate = Depends(Provide[Container.authenticate]),
) -> User:
    if credentials is None:
        raise NotAuthenticated()
    return await authenticate.execute(credentials.credentials)


class RoleChecker:
    """Refuses an unverified account (403 account_not_verified) before it looks at the role."""

    def __init__(self, allowed: Iterable[Role]) -> None:
        self.allowed = frozenset(allowed)

    async def __call__(self, user: User = Depends(current_user)) -> User:
        user.require_role(self.allowed)
        return user


require_admin = RoleChecker([Role.ADMIN])
require_verified = RoleChecker(Role)


class ClientRateLimit:
    """Counts the request against its client address's limit for `action` (429 past it)."""

    def __init__(self, action: str) -> None:
        self.action = action

    @inject
    async def __call__(self, request: Request,
                       check: CheckRequestRate = Depends(Provide[Container.check_request_rate])) -> None:
        await check.execute(self.action, client_key(request))
