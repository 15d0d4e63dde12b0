"""Bookly Accounts' access tokens (RFC 9068 JWTs) verified with the keys it publishes: no shared secret."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt

from bookly_accounts_client.keys import ASYMMETRIC, JwksCache

TOKEN_TYPES = ("at+jwt", "application/at+jwt")  # RFC 9068 section 4
REQUIRED = ("iss", "aud", "sub", "exp", "iat", "jti", "client_id", "role", "email_verified")


class TokenRejected(Exception):
    """The token is not a valid access token of this issuer for this audience."""


class TokenExpired(TokenRejected):
    """The token was valid, and its exp has passed."""


@dataclass(frozen=True)
class AccessClaims:
    sub: str  # the account's id
    role: str  # "user" or "admin"
    email_verified: bool
    exp: int
    iat: float
    jti: str
    client_id: str
    email: str | None = None  # only when the service sets JWT_INCLUDE_EMAIL
    # How and when the person last proved who they are (RFC 8176 values: pwd, otp, hwk, kba, mfa), and the
    # time of it in epoch seconds; empty and None in a token from before the service issued them.
    amr: tuple[str, ...] = ()
    auth_time: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


class TokenVerifier:
    """Verifies access tokens: signed by a published key of an asymmetric algorithm, typ at+jwt, this issuer
    and audience, unexpired. `clock` (seconds since the epoch) is what exp is compared with; `monotonic`
    what the key cache measures its ages on."""

    def __init__(
        self,
        jwks_url: str,
        *,
        issuer: str,
        audience: str,
        algorithms: Iterable[str] = ASYMMETRIC,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        min_refetch_seconds: float = 5.0,
        leeway_seconds: float = 0.0,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._algorithms = tuple(algorithms)
        if not self._algorithms or any(
            not alg.startswith(("ES", "RS", "PS", "EdDSA")) for alg in self._algorithms
        ):
            raise ValueError(
                f"only asymmetric algorithms can be verified with published keys: {self._algorithms}"
            )
        self._issuer, self._audience = issuer, audience
        self._leeway, self._clock = leeway_seconds, clock
        self.keys = JwksCache(
            jwks_url,
            client=client,
            transport=transport,
            algorithms=self._algorithms,
            min_refetch_seconds=min_refetch_seconds,
            clock=monotonic,
        )

    async def verify(self, token: str) -> AccessClaims:
        """The token's claims; TokenRejected (TokenExpired) when it is not to be trusted, KeysUnavailable when
        no key set could be fetched yet."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenRejected("not a JWT") from None
        if str(header.get("typ", "")).lower() not in TOKEN_TYPES:
            raise TokenRejected("not an access token (typ is not at+jwt)")
        if header.get("alg") not in self._algorithms:
            raise TokenRejected(f"algorithm {header.get('alg')!r} is not accepted")
        kid = header.get("kid")
        key = await self.keys.get(kid) if isinstance(kid, str) and kid else None
        if key is None:
            raise TokenRejected("no published key has this kid")
        if key.algorithm_name != header["alg"]:
            raise TokenRejected("the token's algorithm is not its key's")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[key.algorithm_name],
                audience=self._audience,
                issuer=self._issuer,
                options={
                    "require": list(REQUIRED),
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError as error:
            raise TokenRejected(str(error)) from None
        return self._checked(claims)

    def _checked(self, claims: dict[str, Any]) -> AccessClaims:
        # exp and nbf here rather than in PyJWT, which reads the system clock: this one can be a test's.
        now = self._clock()
        try:
            access = AccessClaims(
                sub=_of(claims, "sub", str),
                role=_of(claims, "role", str),
                email_verified=_of(claims, "email_verified", bool),
                exp=int(_of(claims, "exp", (int, float))),
                iat=float(_of(claims, "iat", (int, float))),
                jti=_of(claims, "jti", str),
                client_id=_of(claims, "client_id", str),
                email=claims.get("email") if isinstance(claims.get("email"), str) else None,
                amr=_amr(claims),
                auth_time=int(_of(claims, "auth_time", (int, float))) if "auth_time" in claims else None,
                raw=claims,
            )
            not_before = float(claims.get("nbf", 0))
        except (TypeError, ValueError, OverflowError) as error:
            raise TokenRejected(str(error)) from None
        if access.exp <= now - self._leeway:
            raise TokenExpired("the token has expired")
        if not_before > now + self._leeway:
            raise TokenRejected("the token is not valid yet (nbf)")
        return access

    def now(self) -> float:
        """The verifier's time in epoch seconds, which `exp` (and RoleChecker's `auth_time`) is held to."""
        return self._clock()

    async def aclose(self) -> None:
        await self.keys.aclose()

    async def __aenter__(self) -> TokenVerifier:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()


def _amr(claims: dict[str, Any]) -> tuple[str, ...]:
    if "amr" not in claims:
        return ()
    values = _of(claims, "amr", list)
    if not all(isinstance(value, str) for value in values):
        raise TypeError("claim 'amr' has the wrong type")
    return tuple(values)


def _of(claims: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = claims[name]
    # bool is an int in Python: a true/false where a number belongs is as wrong as a string.
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise TypeError(f"claim {name!r} has the wrong type")
    return value
