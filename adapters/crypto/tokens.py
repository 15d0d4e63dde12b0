"""Signed email-link tokens with itsdangerous: one salt per purpose, expiry checked on load."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from application.ports.clock import Clock
from domain.codes import TokenPurpose
from domain.errors import InvalidToken, TokenExpired

MAX_TOKEN_LENGTH = 2048


class ItsdangerousTokenService:
    def __init__(self, *, secret: str, clock: Clock) -> None:
        signer = _clock_signer(clock)
        # The salt is the purpose: a token signed for one purpose never loads for another.
        self._serializers = {
            purpose: URLSafeTimedSerializer(secret, salt=f"bookly-accounts/{purpose.value}", signer=signer)
            for purpose in TokenPurpose
        }

    def issue(self, purpose: TokenPurpose, claims: Mapping[str, Any]) -> str:
        return self._serializers[purpose].dumps(dict(claims))

    def load(self, purpose: TokenPurpose, token: str, max_age: timedelta) -> dict[str, Any]:
        if len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken()  # none of ours is this long: not worth decoding
        try:
            claims = self._serializers[purpose].loads(token, max_age=int(max_age.total_seconds()))
        except SignatureExpired:
            raise TokenExpired() from None
        except (BadData, UnicodeError, ValueError, TypeError):
            raise InvalidToken() from None
        if not isinstance(claims, dict):
            raise InvalidToken()
        return claims


def _clock_signer(clock: Clock) -> type[TimestampSigner]:
    # itsdangerous reads time.time(); this signer reads our Clock, so expiry is testable without sleeping.
    class ClockTimestampSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock.now().timestamp())

    return ClockTimestampSigner
