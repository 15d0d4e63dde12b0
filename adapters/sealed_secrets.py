"""Secrets the service must read back (webhook signing secrets), kept sealed by AES-GCM under a key of their
own derived from JWT_SECRET: a dump of the database alone gives none of them away."""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class AesGcmSealer:
    def __init__(self, *, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, context: str, secret: str) -> str:
        nonce = os.urandom(12)
        return base64.urlsafe_b64encode(nonce + self._aead.encrypt(nonce, secret.encode(), context.encode())).decode()

    def open(self, context: str, sealed: str) -> str:
        # The context is bound in: a sealed secret moved to another row does not open (InvalidTag).
        raw = base64.urlsafe_b64decode(sealed)
        return self._aead.decrypt(raw[:12], raw[12:], context.encode()).decode()
