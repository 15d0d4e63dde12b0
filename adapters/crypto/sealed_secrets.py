"""Secrets the service must read back (webhook signing secrets, the private halves of signing keys), kept
sealed by AES-GCM under keys derived from JWT_SECRET: a dump of the database alone gives none of them away."""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class SealedUnderAnotherSecret(Exception):
    """A sealed secret that none of the keys opens: JWT_SECRET is not the one it was sealed under."""


class AesGcmSealer:
    """Seals under `key`; opens with it or with one of `previous` (the same purpose's keys derived from
    earlier master secrets), so rows sealed before a rotation still open until they are sealed again."""

    def __init__(self, *, key: bytes, previous: Sequence[bytes] = ()) -> None:
        self._aead = AESGCM(key)
        self._earlier = [AESGCM(old) for old in previous if old != key]

    def seal(self, context: str, secret: str) -> str:
        return self.seal_bytes(context, secret.encode())

    def open(self, context: str, sealed: str) -> str:
        return self.open_bytes(context, sealed).decode()

    def seal_bytes(self, context: str, plain: bytes) -> str:
        nonce = os.urandom(12)
        return base64.urlsafe_b64encode(nonce + self._aead.encrypt(nonce, plain, context.encode())).decode()

    def open_bytes(self, context: str, sealed: str) -> bytes:
        for aead in (self._aead, *self._earlier):
            plain = _open(aead, context, sealed)
            if plain is not None:
                return plain
        raise SealedUnderAnotherSecret(
            f"JWT_SECRET cannot open a secret sealed in the database ({context}): JWT_SECRET changed since "
            "it was sealed; restart with the old value in JWT_SECRET_PREVIOUS to seal it again under the new "
            "one (DEPLOYMENT.md#rotating-the-master-secret)"
        )

    def resealed(self, context: str, sealed: str) -> str | None:
        """`sealed` sealed again under the current key; None when it is under the current key already."""
        if _open(self._aead, context, sealed) is not None:
            return None
        return self.seal_bytes(context, self.open_bytes(context, sealed))


def _open(aead: AESGCM, context: str, sealed: str) -> bytes | None:
    # The context is bound in: a sealed secret moved to another row does not open, whatever the key.
    try:
        raw = base64.urlsafe_b64decode(sealed)
        return aead.decrypt(raw[:12], raw[12:], context.encode())
    except (InvalidTag, binascii.Error, ValueError):
        return None
