"""Writes each email as an .eml file, which any mail client opens."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path

from adapters.mail.mime import build_mime
from domain.mail import DeliveryError, OutboxMessage


class FileMailSender:
    def __init__(self, directory: Path, sender_address: str, sender_name: str) -> None:
        self._directory = directory
        self._sender_address = sender_address
        self._sender_name = sender_name

    async def send(self, message: OutboxMessage) -> None:
        data = build_mime(message, self._sender_address, self._sender_name).as_bytes()
        # The time first, so a directory listing is in sending order.
        safe_id = re.sub(r"[^A-Za-z0-9._-]", "_", message.message_id.strip("<>"))
        path = self._directory / f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{safe_id}.eml"
        try:
            await asyncio.to_thread(self._write, path, data)
        except OSError as error:
            raise DeliveryError(f"could not write email to {path}: {error}; check MAIL_FILE_DIR") from error

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    async def close(self) -> None:
        pass
