"""Keys of their own for each purpose, derived from the one secret (HKDF-SHA256), so no key serves two."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def derive_key(secret: str, purpose: str, length: int = 32) -> bytes:
    """A key for `purpose` alone: knowing it tells nothing of the secret or of another purpose's key."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=f"bookly-accounts/{purpose}".encode())
    return hkdf.derive(secret.encode("utf-8"))
