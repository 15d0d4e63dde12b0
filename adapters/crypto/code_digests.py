"""Keyed digests of the codes in emails (HMAC-SHA256 under a key of their own): a code has only a million
values, so a plain hash of one would be searched through in a moment."""

from __future__ import annotations

import hashlib
import hmac
import uuid

from domain.codes import TokenPurpose
from domain.email import Email


class HmacCodeDigests:
    def __init__(self, *, key: bytes) -> None:
        self._key = key

    def digest(self, code: str, purpose: TokenPurpose, user_id: uuid.UUID, email: Email) -> str:
        # Bound to its purpose, account and address: the same digits mean nothing anywhere else.
        message = "\n".join((purpose.value, str(user_id), email.value, code)).encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()
