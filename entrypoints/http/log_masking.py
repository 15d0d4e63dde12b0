"""Keeps tokens out of the logs: the paths of emailed links are logged with the token masked."""

from __future__ import annotations

import logging
import re

TOKEN_IN_PATH = re.compile(r"(/api/v1/auth/(?:verify|password-reset-confirm|confirm-email)/)[^/?#\s\"]+")


def mask(text: str) -> str:
    return TOKEN_IN_PATH.sub(r"\1***", text)


# The console mail backend's whole purpose is to show the email, link included, in development; production
# refuses that backend (see Settings), so its lines pass unmasked.
UNMASKED_LOGGERS = frozenset({"accounts.mail"})


class MaskTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.name in UNMASKED_LOGGERS:
            return True
        record.msg = mask(str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(mask(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


def install_log_masking() -> None:
    """On uvicorn's logs, where each request's path appears; adding it twice changes nothing."""
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskTokens) for f in logger.filters):
            logger.addFilter(MaskTokens())
