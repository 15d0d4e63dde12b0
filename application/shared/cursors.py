"""Opaque page cursors: where a page ended (a time and an id), so the next page starts there."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from datetime import UTC, datetime

from domain.errors import InvalidCursor

_MAC_BYTES = 16  # 128 bits: a forger's guess is as good as a random one
USERS = "users"  # the accounts' list, whether paged by offset (ListUsers) or searched (FindUsers)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PageCursors:
    """Writes a page's end as a cursor, and reads back only a cursor this service wrote.

    A cursor carries a MAC under a key of its own, so a tampered or invented one is refused before its
    date is read: a crafted date (year 1 at +01:00, year 9999 at -14:00) once overflowed on its way to
    UTC in the database driver. The date is range-checked as well, in case a key ever signs a bad one.
    `of` names the list a cursor belongs to (the accounts, one account's trail), and the MAC covers it: a
    cursor this service wrote for one list is refused by another, as one it never wrote is.
    """

    def __init__(self, *, key: bytes) -> None:
        self._key = key

    def _mac(self, payload: bytes, of: str = "") -> bytes:
        # The list's name first, then a NUL no payload holds, so no two (list, payload) pairs sign alike.
        return hmac.new(self._key, of.encode() + b"\0" + payload, hashlib.sha256).digest()[:_MAC_BYTES]

    def encode(self, at: datetime, item_id: uuid.UUID, *, of: str = "") -> str:
        payload = f"{at.isoformat()}|{item_id}".encode()
        return f"{_b64(payload)}.{_b64(self._mac(payload, of))}"

    def decode(self, cursor: str, *, of: str = "") -> tuple[datetime, uuid.UUID]:
        """The position a cursor names; InvalidCursor for anything this service did not issue."""
        body, dot, mac = cursor.partition(".")
        try:
            payload, tag = _unb64(body), _unb64(mac)
        except (ValueError, binascii.Error):
            raise InvalidCursor() from None
        if not dot or not hmac.compare_digest(tag, self._mac(payload, of)):
            raise InvalidCursor()
        try:
            at, _, item_id = payload.decode().partition("|")
            moment, position_id = datetime.fromisoformat(at), uuid.UUID(item_id)
            if moment.tzinfo is None:
                raise ValueError("a cursor's time names its zone")
            # Raises OverflowError for a date that leaves Python's range once in UTC (years 1 to 9999).
            moment = moment.astimezone(UTC)
        except (ValueError, OverflowError):
            raise InvalidCursor() from None
        return moment, position_id
