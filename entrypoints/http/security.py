"""Who is calling: the bearer token's account, and RoleChecker for endpoints that need a role."""

from __future__ import annotations

from collections.abc import Iterable

from dependency_injector.wiring import inject
from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from application.shared.authenticate import Authenticate, Caller
from application.shared.fresh_sign_in import FreshSignIn
from domain.errors import NotAuthenticated
from domain.user import Role
from domain.views import UserView
from entrypoints.container import Container
from entrypoints.http.injection import ProvideInLoop

bearer = HTTPBearer(auto_error=False, description="The access_token from /api/v1/auth/login")


@inject
async def current_caller(
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    authenticate: Authenticate = Depends(ProvideInLoop[Container.authenticate]),
) -> Caller:
    """The account and the session the access token was issued for; an account whose role needs a second
    factor (MFA_REQUIRED_ROLES) without one gets 403 mfa_enrollment_required, and with one, a sign-in
    without it gets 401 reauthentication_required."""
    return await authenticate.execute(_token(credentials))


@inject
async def enrolling_caller(
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    authenticate: Authenticate = Depends(ProvideInLoop[Container.authenticate]),
) -> Caller:
    """As current_caller, and open to an account whose role needs a second factor it has not set up (or not
    used in this sign-in): for the routes that set one up, logout and reauthentication."""
    return await authenticate.execute(_token(credentials), enrolling=True)


def _token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None:
        raise NotAuthenticated()
    return credentials.credentials


@inject
async def fresh_caller(
    caller: Caller = Depends(current_caller),
    fresh: FreshSignIn = Depends(ProvideInLoop[Container.fresh_sign_in]),
) -> Caller:
    """A caller whose sign-in is recent enough for a sensitive action, and with the second factor where the
    account has one (401 reauthentication_required otherwise)."""
    return await fresh.require(caller)


@inject
async def fresh_enrolling_caller(
    caller: Caller = Depends(enrolling_caller),
    fresh: FreshSignIn = Depends(ProvideInLoop[Container.fresh_sign_in]),
) -> Caller:
    """As fresh_caller, for the routes that set a second factor up (see enrolling_caller)."""
    return await fresh.require(caller)


async def current_user(caller: Caller = Depends(current_caller)) -> UserView:
    return caller.user


class RoleChecker:
    """Refuses an unverified account (403 account_not_verified) before it looks at the role; with `fresh`,
    then a sign-in that is not fresh (401 reauthentication_required), as fresh_caller does."""

    def __init__(self, allowed: Iterable[Role], *, fresh: bool = False) -> None:
        self.allowed = frozenset(allowed)
        self.fresh = fresh

    @inject
    async def __call__(
        self,
        credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
        authenticate: Authenticate = Depends(ProvideInLoop[Container.authenticate]),
        fresh: FreshSignIn = Depends(ProvideInLoop[Container.fresh_sign_in]),
    ) -> UserView:
        caller = await authenticate.execute(_token(credentials), roles=self.allowed)
        return (await fresh.require(caller)).user if self.fresh else caller.user


require_admin = RoleChecker([Role.ADMIN])
require_verified = RoleChecker(Role)
require_fresh_verified = RoleChecker(Role, fresh=True)
