"""Trust Bookly Accounts' access tokens in a FastAPI service, with the keys it publishes and no shared secret."""

from bookly_accounts_client.dependencies import RoleChecker, current_claims, install
from bookly_accounts_client.keys import ASYMMETRIC, JwksCache, KeysUnavailable
from bookly_accounts_client.verifier import AccessClaims, TokenExpired, TokenRejected, TokenVerifier

__all__ = ["ASYMMETRIC", "AccessClaims", "JwksCache", "KeysUnavailable", "RoleChecker", "TokenExpired",
           "TokenRejected", "TokenVerifier", "current_claims", "install"]
