"""Opaque page cursors: where a page ended (a time and an id), so the next page starts there."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

from domain.errors import InvalidCursor


def encode_cursor(at: datetime, item_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{item_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        at, _, item_id = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition("|")
        position = datetime.fromisoformat(at), uuid.UUID(item_id)
    except (ValueError, UnicodeDecodeError):
        raise InvalidCursor() from None
    if position[0].tzinfo is None:
        raise InvalidCursor()
    return position
