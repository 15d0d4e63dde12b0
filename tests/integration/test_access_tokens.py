"""Access tokens after RFC 9068, for every algorithm; the keys, their encryption at rest and their
rotation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.crypto.jwt_tokens import JwtAccessTokenService
from adapters.crypto.key_derivation import derive_key
from adapters.crypto.sealed_secrets import SealedUnderAnotherSecret
from adapters.crypto.signing_keys import KeyBox, KeyRing
from adapters.sqlalchemy.tables import signing_keys
from domain.email import Email
from domain.errors import NotAuthenticated
from domain.user import User
from tests.fakes import FakeClock

SECRET = "s" * 40
ISSUER, AUDIENCE = "https://accounts.example.com", "bookly"
TTL = timedelta(minutes=15)


def ring(engine: AsyncEngine, clock: FakeClock, algorithm: str = "EdDSA", secret: str = SECRET) -> KeyRing:
    return KeyRing(
        engine=engine,
        box=KeyBox(derive_key(secret, "signing-keys")),
        algorithm=algorithm,
        clock=clock,
        token_lifetime=TTL,
        refresh_seconds=0,
    )


def service(
    clock: FakeClock, keys: KeyRing | None, algorithm: str, **overrides: str
) -> JwtAccessTokenService:
    values = dict(issuer=ISSUER, audience=AUDIENCE) | overrides
    return JwtAccessTokenService(secret=SECRET, algorithm=algorithm, clock=clock, keys=keys, **values)


def ada() -> User:
    return User(
        email=Email.parse("ada@example.com"),
        password_hash="h",
        created_at=FakeClock().now(),
        is_verified=True,
    )


@pytest.mark.parametrize("algorithm", ["EdDSA", "ES256", "RS256", "HS256"])
async def test_each_algorithm_issues_rfc_9068_tokens_that_verify(engine: AsyncEngine, algorithm: str) -> None:
    clock = FakeClock()
    tokens = service(clock, ring(engine, clock, algorithm), algorithm)
    user = ada()
    token = await tokens.issue(user, clock.now(), TTL)
    header, claims = jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False})
    assert (
        header["typ"] == "at+jwt"
        and header["alg"] == algorithm
        and ("kid" in header) == (algorithm != "HS256")
    )
    assert {"iss", "aud", "sub", "exp", "iat", "jti", "client_id", "role", "email_verified"} <= set(claims)
    assert (claims["iss"], claims["aud"], claims["sub"]) == (ISSUER, AUDIENCE, str(user.id))
    assert "email" not in claims and "password" not in json.dumps(claims)
    decoded = await tokens.decode(token)
    assert (decoded.user_id, decoded.role, decoded.email_verified) == (user.id, "user", True)
    clock.advance(TTL)
    with pytest.raises(NotAuthenticated):
        await tokens.decode(token)


async def test_forged_tokens_are_refused(engine: AsyncEngine) -> None:
    clock = FakeClock()
    keys = ring(engine, clock)
    tokens = service(clock, keys, "EdDSA")
    good = await tokens.issue(ada(), clock.now(), TTL)
    claims = jwt.decode(good, options={"verify_signature": False})
    public = (
        (await keys.signing_key())
        .private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    kid = jwt.get_unverified_header(good)["kid"]
    forgeries = [
        hand_signed({"alg": "none", "typ": "at+jwt", "kid": kid}, claims, None),
        hand_signed(
            {"alg": "HS256", "typ": "at+jwt", "kid": kid}, claims, public
        ),  # the public key as HMAC key
        jwt.encode(claims, SECRET, algorithm="HS256", headers={"typ": "at+jwt"}),
        jwt.encode(
            claims,
            ed25519.Ed25519PrivateKey.generate(),
            algorithm="EdDSA",
            headers={"typ": "at+jwt", "kid": "foreign"},
        ),
        jwt.encode(
            claims,
            ed25519.Ed25519PrivateKey.generate(),
            algorithm="EdDSA",
            headers={"typ": "at+jwt", "kid": kid},
        ),  # our kid, a stranger's key
        good.replace(".", ".x", 1),
    ]
    for token in forgeries:
        with pytest.raises(NotAuthenticated):
            await tokens.decode(token)
    for wrong in (dict(audience="other-service"), dict(issuer="https://evil.example")):
        with pytest.raises(NotAuthenticated):
            await service(clock, keys, "EdDSA", **wrong).decode(good)


def hand_signed(header: dict, claims: dict, hmac_key: bytes | None) -> str:
    """A token as an attacker makes it, where PyJWT would refuse to (alg none, a public key as HMAC key)."""

    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    signing_input = f"{part(header)}.{part(claims)}"
    if hmac_key is None:
        return signing_input + "."
    mac = hmac.new(hmac_key, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


async def test_the_private_keys_are_encrypted_at_rest(engine: AsyncEngine) -> None:
    clock = FakeClock()
    await ring(engine, clock).signing_key()
    async with engine.connect() as connection:
        [row] = (await connection.execute(select(signing_keys))).mappings().all()
    assert "PRIVATE KEY" not in row["private_key"] and "d" not in json.loads(row["public_jwk"])
    with pytest.raises(SealedUnderAnotherSecret):  # a dump with another deployment's secret opens nothing
        await ring(engine, clock, secret="o" * 40).all()


async def test_rotation_publishes_first_signs_later_and_withdraws_after_the_last_token(
    engine: AsyncEngine,
) -> None:
    clock = FakeClock()
    keys = ring(engine, clock)
    tokens = service(clock, keys, "EdDSA")
    old = (await keys.signing_key()).kid
    old_token = await tokens.issue(ada(), clock.now(), TTL)

    new = (await keys.create(activates_in=timedelta(seconds=300))).kid
    published = {jwk["kid"] for jwk in await keys.published()}
    assert published == {old, new}  # the new key is known before it signs
    assert jwt.get_unverified_header(await tokens.issue(ada(), clock.now(), TTL))["kid"] == old

    clock.advance(timedelta(seconds=300))
    assert jwt.get_unverified_header(await tokens.issue(ada(), clock.now(), TTL))["kid"] == new
    assert (await tokens.decode(old_token)).role == "user"  # the old key still verifies the tokens it signed
    states = {key.kid: key.state(clock.now(), TTL) for key in await keys.all()}
    assert states == {old: "retired", new: "active"}

    clock.advance(TTL)  # the last token the old key signed has expired
    assert {jwk["kid"] for jwk in await keys.published()} == {new}
    assert {key.kid: key.state(clock.now(), TTL) for key in await keys.all()}[old] == "withdrawn"
