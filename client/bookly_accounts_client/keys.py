"""The accounts service's public keys (RFC 7517), fetched from its JWKS URL and kept as its Cache-Control
says."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

import httpx
from jwt import PyJWK, PyJWTError

logger = logging.getLogger("bookly_accounts_client")

ASYMMETRIC = (
    "EdDSA",
    "ES256",
    "RS256",
)  # what Bookly Accounts signs with; HS256 shares a secret, so never here
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age=(\d+)", re.IGNORECASE)


class KeysUnavailable(Exception):
    """No key set has been fetched yet, and the JWKS URL does not answer."""


class JwksCache:
    """The published keys by kid. Fetched again when the cache's max-age has passed, or for a kid it does not
    know, at most once every `min_refetch_seconds` (forged kids cannot make it hammer the service); a failed
    fetch keeps the keys it had, and is tried again after `min_refetch_seconds`."""

    def __init__(
        self,
        url: str,
        *,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        algorithms: Iterable[str] = ASYMMETRIC,
        min_refetch_seconds: float = 5.0,
        default_max_age: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._own_client = client is None
        self._client = client or httpx.AsyncClient(transport=transport, timeout=5.0)
        self._algorithms = frozenset(algorithms)
        self._min_refetch = min_refetch_seconds
        self._default_max_age = default_max_age
        self._clock = clock
        self._keys: dict[str, PyJWK] | None = None
        self._fresh_until = self._tried_at = float("-inf")
        self._lock = asyncio.Lock()

    async def get(self, kid: str) -> PyJWK | None:
        """The key named `kid`, or None when the service publishes no such key."""
        if self._stale(kid):
            async with self._lock:
                if self._stale(kid):  # else another request fetched while this one waited: share its answer
                    await self._fetch()
        if self._keys is None:
            raise KeysUnavailable(f"the key set at {self._url} could not be fetched")
        return self._keys.get(kid)

    def _stale(self, kid: str) -> bool:
        now = self._clock()
        unknown = self._keys is None or kid not in self._keys
        return now >= self._fresh_until or (unknown and now - self._tried_at >= self._min_refetch)

    async def aclose(self) -> None:
        if self._own_client:
            await self._client.aclose()

    async def _fetch(self) -> None:
        self._tried_at = self._clock()
        try:
            response = await self._client.get(self._url, headers={"Accept": "application/json"})
            response.raise_for_status()
            keys = self._usable(response.json()["keys"])
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
            logger.warning(
                "could not fetch the key set at %s (%r); keeping the keys known so far", self._url, error
            )
            self._fresh_until = self._tried_at + self._min_refetch
            return
        self._keys = keys
        self._fresh_until = self._tried_at + self._max_age(response.headers.get("cache-control", ""))

    def _usable(self, published: list[Any]) -> dict[str, PyJWK]:
        keys = {}
        for data in published:
            try:
                # PyJWK takes the algorithm from the JWK's alg, or from its kty and crv, and builds the key
                # for that algorithm alone: an EdDSA key can never verify an HS256 signature.
                key = PyJWK(data)
            except (PyJWTError, TypeError, ValueError, AttributeError):
                continue
            if key.algorithm_name in self._algorithms and key.key_id and key.public_key_use in (None, "sig"):
                keys[key.key_id] = key
        return keys

    def _max_age(self, cache_control: str) -> float:
        found = _MAX_AGE.search(cache_control)
        return min(float(found.group(1)), 86400.0) if found else self._default_max_age
