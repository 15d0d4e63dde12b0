"""Recovery codes: ten at a time, 80 random bits each, kept as digests, each usable once."""

from __future__ import annotations

import hashlib
import secrets
import uuid

from domain.factors import RECOVERY_CODE_COUNT

# 32 letters and digits without the ones read alike (0/O, 1/I): five bits a character.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
GROUPS, GROUP_LENGTH = 4, 4  # XXXX-XXXX-XXXX-XXXX: 16 characters, 80 bits


def new_recovery_codes() -> list[str]:
    return [
        "-".join("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS))
        for _ in range(RECOVERY_CODE_COUNT)
    ]


def recovery_digest(user_id: uuid.UUID, code: str) -> str:
    """What is stored of a code. 80 random bits make a plain hash safe to keep (no one tries 2^80
    candidates); the account's id is bound in, so one digest proves nothing for another account."""
    typed = "".join(ch for ch in code.upper() if ch not in " -")
    return hashlib.sha256(f"{user_id}:{typed}".encode("utf-8", "surrogatepass")).hexdigest()
