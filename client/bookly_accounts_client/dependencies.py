"""FastAPI dependencies: the caller's verified claims, and RoleChecker for endpoints that need a role.
Refusals answer in Bookly's error shape, {"message", "error_code", "resolution"}."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bookly_accounts_client.keys import KeysUnavailable
from bookly_accounts_client.verifier import AccessClaims, TokenExpired, TokenRejected, TokenVerifier

bearer = HTTPBearer(auto_error=False, description="An access token from Bookly Accounts' /api/v1/auth/login")


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str, resolution: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.resolution = status, code, message, resolution


def install(app: FastAPI, verifier: TokenVerifier) -> None:
    """Makes `current_claims` and `RoleChecker` verify with `verifier`, and answer in Bookly's error shape."""
    app.state.bookly_token_verifier = verifier
    app.add_exception_handler(Refused, _answer)  # type: ignore[arg-type]


async def current_claims(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
) -> AccessClaims:
    """The caller's claims, verified or not; 401 not_authenticated without a valid, unexpired token."""
    verifier = _verifier(request)
    if credentials is None:
        raise Refused(
            401,
            "not_authenticated",
            "Authentication is required.",
            "Log in and send the access token as 'Authorization: Bearer <token>'.",
        )
    try:
        return await verifier.verify(credentials.credentials)
    except TokenExpired:
        raise Refused(
            401,
            "not_authenticated",
            "The access token has expired.",
            "Use your refresh token, or log in again.",
        ) from None
    except TokenRejected:
        raise Refused(401, "not_authenticated", "The access token is invalid.", "Log in again.") from None
    except KeysUnavailable:
        raise Refused(
            503,
            "service_unavailable",
            "The accounts service's keys cannot be fetched right now.",
            "Try again in a moment.",
        ) from None


class RoleChecker:
    """Refuses an unverified account (403 account_not_verified) before it looks at the role.

    With `require_mfa`, a token whose sign-in used no second factor (no `mfa` in `amr`) gets 403
    mfa_required; with `max_auth_age` (seconds), one whose `auth_time` is older, or absent, gets 401
    reauthentication_required. Both from the token's claims alone: the person confirms it is them at the
    accounts service (POST /api/v1/auth/reauthenticate) and sends the new access token.
    """

    def __init__(
        self, allowed_roles: Iterable[str], *, require_mfa: bool = False, max_auth_age: float | None = None
    ) -> None:
        if max_auth_age is not None and max_auth_age <= 0:
            raise ValueError("max_auth_age is a number of seconds greater than 0")
        self.allowed_roles = frozenset(allowed_roles)
        self.require_mfa = require_mfa
        self.max_auth_age = max_auth_age

    async def __call__(
        self, request: Request, claims: AccessClaims = Depends(current_claims)
    ) -> AccessClaims:
        if not claims.email_verified:
            raise Refused(
                403,
                "account_not_verified",
                "This account is not verified yet.",
                "Check your email for the verification link, or ask for a new one.",
            )
        if claims.role not in self.allowed_roles:
            raise Refused(
                403,
                "insufficient_permissions",
                "You do not have permission to do this.",
                "Ask an administrator for access.",
            )
        if self.require_mfa and "mfa" not in claims.amr:
            raise Refused(
                403,
                "mfa_required",
                "This needs a sign-in with a second factor.",
                "Confirm it is you with your second factor at the accounts service, then try again.",
            )
        if self.max_auth_age is not None and (
            claims.auth_time is None or _verifier(request).now() - claims.auth_time > self.max_auth_age
        ):
            raise Refused(
                401,
                "reauthentication_required",
                "This needs a recent sign-in.",
                "Confirm it is you with POST /api/v1/auth/reauthenticate, then try again.",
            )
        return claims


def _verifier(request: Request) -> TokenVerifier:
    verifier: TokenVerifier | None = getattr(request.app.state, "bookly_token_verifier", None)
    if verifier is None:
        raise RuntimeError("call bookly_accounts_client.install(app, verifier) when you build the app")
    return verifier


async def _answer(_: Request, refused: Refused) -> JSONResponse:
    return JSONResponse(
        {"message": refused.message, "error_code": refused.code, "resolution": refused.resolution},
        status_code=refused.status,
        headers={"WWW-Authenticate": "Bearer"} if refused.status == 401 else None,
    )
