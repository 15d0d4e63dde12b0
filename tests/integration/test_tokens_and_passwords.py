"""The itsdangerous, PyJWT and argon2 adapters, for real."""

import asyncio
from datetime import timedelta

import bcrypt
import pytest

from adapters.crypto.passwords import Argon2PasswordHasher
from adapters.crypto.tokens import ItsdangerousTokenService
from domain.codes import TokenPurpose
from domain.errors import InvalidToken, TokenExpired
from tests.fakes import FakeClock

SECRET = "s" * 40
DAY = timedelta(days=1)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_a_token_loads_for_its_purpose_only(clock: FakeClock) -> None:
    tokens = ItsdangerousTokenService(secret=SECRET, clock=clock)
    token = tokens.issue(TokenPurpose.VERIFY_EMAIL, {"sub": "42"})
    assert tokens.load(TokenPurpose.VERIFY_EMAIL, token, DAY) == {"sub": "42"}
    with pytest.raises(InvalidToken):
        tokens.load(TokenPurpose.RESET_PASSWORD, token, DAY)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda t: t[:-2],
        lambda t: t[:10],
        lambda t: t + "x",
        lambda t: "é" + t,
        lambda t: t.replace(".", "", 1),
        lambda t: "",
    ],
)
def test_a_tampered_or_truncated_token_is_invalid(clock: FakeClock, spoil) -> None:  # type: ignore[no-untyped-def]
    tokens = ItsdangerousTokenService(secret=SECRET, clock=clock)
    with pytest.raises(InvalidToken):
        tokens.load(
            TokenPurpose.VERIFY_EMAIL, spoil(tokens.issue(TokenPurpose.VERIFY_EMAIL, {"sub": "1"})), DAY
        )


def test_a_token_signed_with_another_secret_is_invalid(clock: FakeClock) -> None:
    foreign = ItsdangerousTokenService(secret="o" * 40, clock=clock).issue(
        TokenPurpose.VERIFY_EMAIL, {"sub": "1"}
    )
    with pytest.raises(InvalidToken):
        ItsdangerousTokenService(secret=SECRET, clock=clock).load(TokenPurpose.VERIFY_EMAIL, foreign, DAY)


def test_expiry_follows_the_clock(clock: FakeClock) -> None:
    tokens = ItsdangerousTokenService(secret=SECRET, clock=clock)
    token = tokens.issue(TokenPurpose.RESET_PASSWORD, {"sub": "1"})
    clock.advance(timedelta(minutes=59))
    tokens.load(TokenPurpose.RESET_PASSWORD, token, timedelta(hours=1))
    clock.advance(timedelta(minutes=2))
    with pytest.raises(TokenExpired):
        tokens.load(TokenPurpose.RESET_PASSWORD, token, timedelta(hours=1))


async def test_argon2id_with_owasp_parameters_and_upgrade_of_weaker_hashes() -> None:
    hasher = Argon2PasswordHasher()
    weak = Argon2PasswordHasher(time_cost=1, memory_kib=1024)
    try:
        password_hash = await hasher.hash("correct horse")
        assert password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert await hasher.verify(password_hash, "correct horse")
        assert not await hasher.verify(password_hash, "wrong horse")
        assert not await hasher.verify(None, "correct horse")
        assert not await hasher.verify("not a hash", "correct horse")
        assert not hasher.needs_rehash(password_hash)
        assert hasher.needs_rehash(await weak.hash("correct horse"))
    finally:
        hasher.close()
        weak.close()


async def test_a_bookly_bcrypt_hash_still_verifies_and_asks_for_an_upgrade() -> None:
    hasher = Argon2PasswordHasher()
    legacy = bcrypt.hashpw(b"correct horse", bcrypt.gensalt(rounds=4)).decode()
    try:
        assert await hasher.verify(legacy, "correct horse")
        assert not await hasher.verify(legacy, "wrong horse")
        assert hasher.needs_rehash(legacy)
    finally:
        hasher.close()


async def test_hashing_does_not_stall_the_event_loop() -> None:
    hasher = Argon2PasswordHasher(threads=2)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.001)
            ticks += 1

    task = asyncio.create_task(ticker())
    await asyncio.gather(*(hasher.hash("correct horse") for _ in range(8)))
    task.cancel()
    hasher.close()
    # Had the hashes run on the loop, the ticker would have had a turn only between them (at most 8).
    assert ticks >= 10
