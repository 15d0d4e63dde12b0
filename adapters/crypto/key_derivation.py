"""Keys of their own for each purpose, derived from the one secret (HKDF-SHA256), so no key serves two."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# The purposes whose keys seal secrets kept in the database: a new JWT_SECRET must seal those again
# (adapters/sqlalchemy/resealing.py). The other purposes' keys sign or digest what lives a short while.
SIGNING_KEYS = "signing-keys"
WEBHOOK_SECRETS = "webhook-secrets"
TOTP_SECRETS = "totp-secrets"


def derive_key(secret: str, purpose: str, length: int = 32) -> bytes:
    """A key for `purpose` alone: knowing it tells nothing of the secret or of another purpose's key."""
    hkdf = HKDF(
        algorithm=hashes.SHA256(), length=length, salt=None, info=f"bookly-accounts/{purpose}".encode()
    )
    return hkdf.derive(secret.encode("utf-8"))
