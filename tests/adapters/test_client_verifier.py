"""The client package (bookly_accounts_client) on a fake accounts service: an httpx.MockTransport that serves
a key set of keys made here, a clock the test moves, and tokens signed here."""

from __future__ import annotations

import ast
import asyncio
import base64
import hashlib
import hmac
import json
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from fastapi import Depends, FastAPI
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

import bookly_accounts_client
from bookly_accounts_client import (
    AccessClaims,
    KeysUnavailable,
    RoleChecker,
    TokenExpired,
    TokenRejected,
    TokenVerifier,
    current_claims,
    install,
)

ISSUER, AUDIENCE = "https://accounts.example.com", "bookly"
JWKS_URL = f"{ISSUER}/.well-known/jwks.json"
TO_JWK = {"EdDSA": OKPAlgorithm.to_jwk, "ES256": ECAlgorithm.to_jwk, "RS256": RSAAlgorithm.to_jwk}


def new_key(algorithm: str = "EdDSA") -> Any:
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ed25519.Ed25519PrivateKey.generate()


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Accounts:
    """The fake service: the keys it publishes, its JWKS endpoint (which counts its fetches), its tokens."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.private: dict[str, tuple[str, Any]] = {}
        self.published: list[dict[str, Any]] = []
        self.cache_control = "public, max-age=300"
        self.fetches = 0
        self.down = False
        self.gate: asyncio.Event | None = None
        self.publish("k1")

    def publish(self, kid: str, algorithm: str = "EdDSA") -> None:
        key = new_key(algorithm)
        self.private[kid] = (algorithm, key)
        self.published.append(
            {**TO_JWK[algorithm](key.public_key(), as_dict=True), "kid": kid, "use": "sig", "alg": algorithm}
        )

    async def jwks(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.down:
            return httpx.Response(503, json={"message": "down"})
        return httpx.Response(
            200, json={"keys": self.published}, headers={"Cache-Control": self.cache_control}
        )

    def claims(self, **changes: Any) -> dict[str, Any]:
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(uuid.uuid4()),
            "client_id": "bookly-accounts",
            "iat": self.clock.now,
            "exp": int(self.clock.now) + 900,
            "jti": uuid.uuid4().hex,
            "role": "user",
            "email_verified": True,
        }
        claims.update(changes)
        return {name: value for name, value in claims.items() if value is not None}

    def token(self, kid: str = "k1", header: dict[str, Any] | None = None, **changes: Any) -> str:
        algorithm, key = self.private[kid]
        return jwt.encode(
            self.claims(**changes),
            key,
            algorithm=algorithm,
            headers={"typ": "at+jwt", "kid": kid, **(header or {})},
        )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def accounts(clock: Clock) -> Accounts:
    return Accounts(clock)


@pytest.fixture
async def verifier(accounts: Accounts, clock: Clock) -> Any:
    async with TokenVerifier(
        JWKS_URL,
        issuer=ISSUER,
        audience=AUDIENCE,
        transport=httpx.MockTransport(accounts.jwks),
        min_refetch_seconds=5,
        clock=clock,
        monotonic=clock,
    ) as verifier:
        yield verifier


def signed_hs256(secret: bytes, header: dict[str, Any], claims: dict[str, Any]) -> str:
    """By hand, as an attacker would: PyJWT itself refuses a public key as an HMAC secret."""

    def b64(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    signing_input = b64(json.dumps(header).encode()) + b"." + b64(json.dumps(claims).encode())
    return (signing_input + b"." + b64(hmac.new(secret, signing_input, hashlib.sha256).digest())).decode()


@pytest.mark.parametrize("algorithm", ["EdDSA", "ES256", "RS256"])
async def test_a_token_verifies_with_the_published_key(
    accounts: Accounts, verifier: TokenVerifier, algorithm: str
) -> None:
    accounts.publish("k2", algorithm)
    claims = await verifier.verify(accounts.token("k2", role="admin", email="ada@example.com"))
    assert isinstance(claims, AccessClaims)
    assert (claims.role, claims.email_verified, claims.client_id, claims.email) == (
        "admin",
        True,
        "bookly-accounts",
        "ada@example.com",
    )
    assert claims.exp == int(accounts.clock.now) + 900


async def test_the_key_set_is_kept_as_long_as_its_max_age_says(
    accounts: Accounts, verifier: TokenVerifier, clock: Clock
) -> None:
    accounts.cache_control = "public, max-age=60"
    for _ in range(3):
        await verifier.verify(accounts.token())
    clock.advance(59)
    await verifier.verify(accounts.token())
    assert accounts.fetches == 1
    clock.advance(1)
    await verifier.verify(accounts.token())
    assert accounts.fetches == 2


async def test_an_unknown_kid_fetches_the_key_set_again_at_most_every_few_seconds(
    accounts: Accounts, verifier: TokenVerifier, clock: Clock
) -> None:
    await verifier.verify(accounts.token())
    clock.advance(5)
    accounts.publish("k2")  # a rotation: the new key is published before it signs
    await verifier.verify(accounts.token("k2"))
    assert accounts.fetches == 2

    stranger = Accounts(clock)
    for _ in range(50):  # a flood of forged kids
        stranger.publish(kid := uuid.uuid4().hex)
        with pytest.raises(TokenRejected):
            await verifier.verify(stranger.token(kid))
    assert accounts.fetches == 2  # within 5 s of the last fetch
    clock.advance(5)
    for _ in range(10):
        with pytest.raises(TokenRejected):
            await verifier.verify(stranger.token(kid))
    assert accounts.fetches == 3
    await verifier.verify(accounts.token("k1"))  # the known keys work throughout
    assert accounts.fetches == 3


async def test_concurrent_requests_share_one_fetch(accounts: Accounts, verifier: TokenVerifier) -> None:
    accounts.gate = asyncio.Event()
    waiting = [asyncio.create_task(verifier.verify(accounts.token())) for _ in range(20)]
    await asyncio.sleep(0)
    accounts.gate.set()
    assert len(await asyncio.gather(*waiting)) == 20
    assert accounts.fetches == 1


async def test_while_the_service_is_down_the_keys_it_had_still_verify(
    accounts: Accounts, verifier: TokenVerifier, clock: Clock
) -> None:
    await verifier.verify(accounts.token())
    accounts.down = True
    clock.advance(301)
    for _ in range(5):
        await verifier.verify(accounts.token())
    assert accounts.fetches == 2  # one failed try, then a pause before the next
    clock.advance(5)
    await verifier.verify(accounts.token())
    assert accounts.fetches == 3
    accounts.down = False
    clock.advance(5)
    await verifier.verify(accounts.token())
    assert accounts.fetches == 4
    clock.advance(299)
    await verifier.verify(accounts.token())
    assert accounts.fetches == 4  # back on the service's max-age


async def test_with_no_key_set_yet_and_the_service_down_keys_are_unavailable(
    accounts: Accounts, verifier: TokenVerifier
) -> None:
    accounts.down = True
    with pytest.raises(KeysUnavailable):
        await verifier.verify(accounts.token())


async def test_a_token_expires_at_its_exp(accounts: Accounts, verifier: TokenVerifier, clock: Clock) -> None:
    token = accounts.token()
    clock.advance(899)
    await verifier.verify(token)
    clock.advance(1)
    with pytest.raises(TokenExpired):
        await verifier.verify(token)


FORGERIES = {
    "alg none": lambda a: jwt.encode(
        a.claims(), None, algorithm="none", headers={"typ": "at+jwt", "kid": "k1"}
    ),
    "HS256 with the public key": lambda a: signed_hs256(
        a.private["k1"][1]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        {"alg": "HS256", "typ": "at+jwt", "kid": "k1"},
        a.claims(),
    ),
    "HS256 with the JWK": lambda a: signed_hs256(
        json.dumps(a.published[0]).encode(), {"alg": "HS256", "typ": "at+jwt", "kid": "k1"}, a.claims()
    ),
    "a foreign key under our kid": lambda a: jwt.encode(
        a.claims(), new_key(), algorithm="EdDSA", headers={"typ": "at+jwt", "kid": "k1"}
    ),
    "a foreign kid": lambda a: jwt.encode(
        a.claims(), new_key(), algorithm="EdDSA", headers={"typ": "at+jwt", "kid": "foreign"}
    ),
    "no kid": lambda a: jwt.encode(
        a.claims(), a.private["k1"][1], algorithm="EdDSA", headers={"typ": "at+jwt"}
    ),
    "another algorithm than its key's": lambda a: jwt.encode(
        a.claims(), new_key("ES256"), algorithm="ES256", headers={"typ": "at+jwt", "kid": "k1"}
    ),
    "another audience": lambda a: a.token(aud="another-service"),
    "another issuer": lambda a: a.token(iss="https://evil.example"),
    "typ JWT": lambda a: a.token(header={"typ": "JWT"}),
    "no typ": lambda a: jwt.encode(a.claims(), a.private["k1"][1], algorithm="EdDSA", headers={"kid": "k1"}),
    "email_verified a string": lambda a: a.token(email_verified="yes"),
    "role a number": lambda a: a.token(role=1),
    "not a JWT": lambda a: "not.a.jwt",
    **{
        f"no {claim}": (lambda claim: lambda a: a.token(**{claim: None}))(claim)  # noqa: B023  (bound by the call)
        for claim in ("iss", "aud", "sub", "exp", "iat", "jti", "client_id", "role", "email_verified")
    },
}


@pytest.mark.parametrize("forgery", FORGERIES)
async def test_the_verifier_refuses(accounts: Accounts, verifier: TokenVerifier, forgery: str) -> None:
    token = FORGERIES[forgery](accounts)
    with pytest.raises(TokenRejected):
        await verifier.verify(token)
    if forgery.startswith("no "):  # prove the token is refused for what it lacks, not for its key
        await verifier.verify(accounts.token())


async def test_a_symmetric_key_in_the_key_set_is_never_used(
    accounts: Accounts, verifier: TokenVerifier
) -> None:
    await verifier.verify(accounts.token())
    secret = b"s" * 32
    accounts.published.append(
        {
            "kty": "oct",
            "k": base64.urlsafe_b64encode(secret).rstrip(b"=").decode(),
            "kid": "sym",
            "alg": "HS256",
        }
    )
    token = jwt.encode(accounts.claims(), secret, algorithm="HS256", headers={"typ": "at+jwt", "kid": "sym"})
    with pytest.raises(TokenRejected):
        await verifier.verify(token)
    assert await verifier.keys.get("sym") is None and await verifier.keys.get("k1") is not None


def test_only_asymmetric_algorithms_can_be_configured() -> None:
    for algorithms in (["HS256"], ["EdDSA", "none"], []):
        with pytest.raises(ValueError):
            TokenVerifier(JWKS_URL, issuer=ISSUER, audience=AUDIENCE, algorithms=algorithms)


@pytest.fixture
async def api(verifier: TokenVerifier) -> Any:
    app = FastAPI()
    install(app, verifier)

    @app.get("/me")
    async def me(claims: AccessClaims = Depends(current_claims)) -> dict[str, str]:
        return {"sub": claims.sub}

    @app.get("/admin")
    async def admin(_: AccessClaims = Depends(RoleChecker(["admin"]))) -> dict[str, str]:
        return {"ok": "yes"}

    @app.delete("/admin")
    async def sensitive(
        _: AccessClaims = Depends(RoleChecker(["admin"], require_mfa=True, max_auth_age=600)),
    ) -> dict[str, str]:
        return {"ok": "yes"}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://books") as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_the_dependencies_answer_in_booklys_error_shape(
    api: httpx.AsyncClient, accounts: Accounts, clock: Clock
) -> None:
    token = accounts.token(role="user")
    assert (await api.get("/me", headers=bearer(token))).status_code == 200
    for headers in ({}, bearer("junk"), {"Authorization": f"Basic {token}"}):
        missing = await api.get("/me", headers=headers)
        assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
        assert missing.json()["error_code"] == "not_authenticated" and set(missing.json()) == {
            "message",
            "error_code",
            "resolution",
        }

    unverified_admin = await api.get(
        "/admin", headers=bearer(accounts.token(role="admin", email_verified=False))
    )
    assert (unverified_admin.status_code, unverified_admin.json()["error_code"]) == (
        403,
        "account_not_verified",
    )
    user = await api.get("/admin", headers=bearer(token))
    assert (user.status_code, user.json()["error_code"]) == (403, "insufficient_permissions")
    assert (await api.get("/admin", headers=bearer(accounts.token(role="admin")))).status_code == 200

    clock.advance(900)
    expired = await api.get("/me", headers=bearer(token))
    assert expired.status_code == 401 and expired.json()["message"] == "The access token has expired."


async def test_role_checker_asks_for_mfa_and_a_recent_sign_in_from_the_claims_alone(
    api: httpx.AsyncClient, accounts: Accounts, clock: Clock
) -> None:
    now = int(clock.now)

    async def delete(**claims: Any) -> httpx.Response:
        return await api.delete("/admin", headers=bearer(accounts.token(**{"role": "admin", **claims})))

    assert (await delete(amr=["mfa", "otp", "pwd"], auth_time=now)).status_code == 200
    for claims, status, code in (
        ({"amr": ["pwd"], "auth_time": now}, 403, "mfa_required"),
        ({}, 403, "mfa_required"),  # a token from before amr
        ({"amr": ["mfa", "otp", "pwd"], "auth_time": now - 601}, 401, "reauthentication_required"),
        ({"amr": ["hwk", "mfa"]}, 401, "reauthentication_required"),  # no auth_time: never recent
        ({"amr": "mfa", "auth_time": now}, 401, "not_authenticated"),  # not a list: not our token
        ({"amr": ["mfa"], "auth_time": "now"}, 401, "not_authenticated"),
        ({"amr": ["mfa"], "auth_time": True}, 401, "not_authenticated"),
    ):
        answer = await delete(**claims)
        assert (answer.status_code, answer.json()["error_code"]) == (status, code), claims
        assert set(answer.json()) == {"message", "error_code", "resolution"}
    assert (await delete(role="user", amr=["mfa"], auth_time=now)).json()["error_code"] == (
        "insufficient_permissions"
    )
    # The plain checker asks for neither.
    plain = await api.get("/admin", headers=bearer(accounts.token(role="admin")))
    assert plain.status_code == 200
    with pytest.raises(ValueError):
        RoleChecker(["admin"], max_auth_age=0)


async def test_the_claims_carry_amr_and_auth_time(accounts: Accounts, verifier: TokenVerifier) -> None:
    claims = await verifier.verify(accounts.token(amr=["otp", "pwd", "mfa"], auth_time=1_799_999_000))
    assert (claims.amr, claims.auth_time) == (("otp", "pwd", "mfa"), 1_799_999_000)
    old = await verifier.verify(accounts.token())
    assert (old.amr, old.auth_time) == ((), None)


async def test_with_no_keys_to_verify_with_the_answer_is_503(
    api: httpx.AsyncClient, accounts: Accounts
) -> None:
    accounts.down = True
    answer = await api.get("/me", headers=bearer(accounts.token()))
    assert (answer.status_code, answer.json()["error_code"]) == (503, "service_unavailable")


def test_the_client_imports_only_the_standard_library_pyjwt_httpx_and_fastapi() -> None:
    imported = set()
    for source in Path(bookly_accounts_client.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
    assert imported - set(sys.stdlib_module_names) == {"bookly_accounts_client", "jwt", "httpx", "fastapi"}
