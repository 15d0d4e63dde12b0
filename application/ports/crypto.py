"""Password hashing, signed link tokens and sealed secrets."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Protocol

from domain.codes import TokenPurpose


class PasswordHasher(Protocol):
    """Hashes and checks passwords without blocking the caller's event loop."""

    async def hash(self, password: str) -> str: ...
    async def verify(self, password_hash: str | None, password: str) -> bool:
        """False for a wrong password; with no hash (no such user) it spends a hash and says False."""
        ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class TokenService(Protocol):
    """Signed, expiring tokens for links in emails; a token of one purpose is refused by another."""

    def issue(self, purpose: TokenPurpose, claims: Mapping[str, Any]) -> str: ...
    def load(self, purpose: TokenPurpose, token: str, max_age: timedelta) -> dict[str, Any]:
        """The claims; raises InvalidToken or TokenExpired."""
        ...


class SecretSealer(Protocol):
    def seal(self, context: str, secret: str) -> str: ...
    def open(self, context: str, sealed: str) -> str: ...
