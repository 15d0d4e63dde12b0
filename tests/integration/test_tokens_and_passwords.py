"""The itsdangerous, PyJWT and argon2 adapters, for real (argon2id through libsodium and argon2-cffi)."""

import asyncio
import re
from datetime import timedelta

import bcrypt
import nacl.exceptions
import nacl.pwhash.argon2id
import pytest
from argon2 import PasswordHasher, Type
from argon2.exceptions import VerifyMismatchError

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


# The service's argon2id parameters (entrypoints/settings.py's defaults), for argon2-cffi itself.
CFFI = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@pytest.fixture
def sodium_calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts the adapter's calls into libsodium, so a test knows which implementation did the work."""
    calls = {"str": 0, "verify": 0}
    for name in calls:
        original = getattr(nacl.pwhash.argon2id, name)

        def counted(*args, _original=original, _name=name, **kwargs):  # type: ignore[no-untyped-def]
            calls[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(nacl.pwhash.argon2id, name, counted)
    return calls


async def test_libsodium_and_argon2_cffi_read_each_others_hashes(sodium_calls: dict[str, int]) -> None:
    hasher = Argon2PasswordHasher()
    try:
        ours = await hasher.hash("correct horse")
        assert sodium_calls == {"str": 1, "verify": 0}
        assert re.fullmatch(r"\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}", ours)
        # libsodium's hash, checked by argon2-cffi, and argon2-cffi's by the adapter (through libsodium).
        assert CFFI.verify(ours, "correct horse")
        with pytest.raises(VerifyMismatchError):
            CFFI.verify(ours, "wrong horse")
        theirs = CFFI.hash("correct horse")
        assert await hasher.verify(theirs, "correct horse")
        assert not await hasher.verify(theirs, "wrong horse")
        assert sodium_calls == {"str": 1, "verify": 2}
        # And each library on its own, both ways.
        assert nacl.pwhash.argon2id.verify(theirs.encode(), b"correct horse")
        with pytest.raises(nacl.exceptions.InvalidkeyError):
            nacl.pwhash.argon2id.verify(theirs.encode(), b"wrong horse")
        # Same parameters, salt and hash lengths: no rehash either way.
        assert not hasher.needs_rehash(ours) and not hasher.needs_rehash(theirs)
        assert CFFI.check_needs_rehash(ours) is False
    finally:
        hasher.close()


async def test_hashes_libsodium_does_not_take_go_to_argon2_cffi(sodium_calls: dict[str, int]) -> None:
    hasher = Argon2PasswordHasher()
    two_lanes = Argon2PasswordHasher(parallelism=2)
    try:
        # Hashing with more than one lane is argon2-cffi's; so is checking it, and every other variant.
        lanes = await two_lanes.hash("correct horse")
        assert lanes.startswith("$argon2id$v=19$m=19456,t=2,p=2$")
        others = [
            lanes,
            PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1, type=Type.I).hash("correct horse"),
            PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1, salt_len=32).hash("correct horse"),
            PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1, hash_len=16).hash("correct horse"),
        ]
        for other in others:
            assert await hasher.verify(other, "correct horse"), other
            assert not await hasher.verify(other, "wrong horse"), other
        assert sodium_calls == {"str": 0, "verify": 0}
        assert hasher.needs_rehash(lanes)
        # What neither reads is refused, as before.
        for junk in ["", "not a hash", "$argon2id$v=19$m=19456,t=2,p=1$", CFFI.hash("x")[:-1] + "!"]:
            assert not await hasher.verify(junk, "x"), junk
    finally:
        hasher.close()
        two_lanes.close()


async def test_an_unknown_user_still_costs_one_hash(sodium_calls: dict[str, int]) -> None:
    hasher = Argon2PasswordHasher()
    try:
        assert not await hasher.verify(
            None, "correct horse"
        )  # the first makes the dummy hash, then checks it
        assert sodium_calls == {"str": 1, "verify": 1}
        for _ in range(3):
            assert not await hasher.verify(None, "correct horse")
        assert sodium_calls == {"str": 1, "verify": 4}  # a full argon2id check each, as for a known user
    finally:
        hasher.close()


async def test_passwords_are_encoded_as_argon2_cffi_encodes_them() -> None:
    hasher = Argon2PasswordHasher()
    legacy = bcrypt.hashpw(b"x", bcrypt.gensalt(rounds=4)).decode()
    try:
        # UTF-8, so a hash of non-ASCII text made by either verifies with the other.
        text = "é€😀 correct"
        assert CFFI.verify(await hasher.hash(text), text)
        assert await hasher.verify(CFFI.hash(text), text)
        assert not await hasher.verify(CFFI.hash(text), text.encode().decode("latin-1"))
        # A lone surrogate cannot be encoded: UnicodeEncodeError, from hash() and from the check of an
        # argon2id hash (as argon2-cffi raises; the HTTP layer refuses such passwords before); a bcrypt
        # hash and a malformed one answer False, as before.
        lone = "a\ud800"
        with pytest.raises(UnicodeEncodeError):
            await hasher.hash(lone)
        for argon2id_hash in [await hasher.hash("x"), CFFI.hash("x"), None]:
            with pytest.raises(UnicodeEncodeError):
                await hasher.verify(argon2id_hash, lone)
        with pytest.raises(UnicodeEncodeError):
            CFFI.verify(CFFI.hash("x"), lone)
        assert not await hasher.verify(legacy, lone)
        assert not await hasher.verify("not a hash", lone)
        # A hash that is not ASCII raises as argon2-cffi always did (a stored hash is the service's own).
        with pytest.raises(UnicodeEncodeError):
            await hasher.verify("$argon2id$é", "x")
    finally:
        hasher.close()
