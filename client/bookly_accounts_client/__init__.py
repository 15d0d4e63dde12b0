"""Trust Bookly Accounts' access tokens in a FastAPI service, with the keys it publishes and no shared
secret."""

from bookly_accounts_client.dependencies import RoleChecker, current_claims, install
from bookly_accounts_client.keys import ASYMMETRIC, JwksCache, KeysUnavailable
from bookly_accounts_client.verifier import AccessClaims, TokenExpired, TokenRejected, TokenVerifier

# The one place the client's version is written: its pyproject.toml reads it at build time.
__version__ = "0.5.0.dev0"

__all__ = [
    "ASYMMETRIC",
    "AccessClaims",
    "JwksCache",
    "KeysUnavailable",
    "RoleChecker",
    "TokenExpired",
    "TokenRejected",
    "TokenVerifier",
    "current_claims",
    "install",
]
