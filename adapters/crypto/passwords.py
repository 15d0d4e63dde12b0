"""argon2id password hashing in a bounded thread pool, so a hash never stalls the event loop.

argon2id is hashed and checked through libsodium (PyNaCl), which picks its AVX2 or SSSE3 code at run time:
less CPU per hash than argon2-cffi's portable build, the same PHC string (bench/RESULTS.md, issue 25).
argon2-cffi reads the parameters (needs_rehash) and checks every hash libsodium does not take: other
variants or versions, more than one lane, other salt or hash lengths; and hashes when parallelism > 1.
Bcrypt hashes (the Bookly tutorial's, through passlib) are still checked, and upgraded on the next login.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from concurrent.futures import ThreadPoolExecutor

import bcrypt
import nacl.exceptions
import nacl.pwhash.argon2id as sodium_argon2id
from argon2 import PasswordHasher as Argon2
from argon2.exceptions import InvalidHashError, VerificationError

BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")
# The argon2id hashes that libsodium checks: version 1.3, one lane, a 16-byte salt and a 32-byte hash, as
# both libraries write them. [0-9], not \d, which takes any script's digits.
SODIUM_ARGON2ID = re.compile(
    r"\$argon2id\$v=19\$m=[1-9][0-9]{0,9},t=[1-9][0-9]{0,9},p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}"
)
# argon2-cffi's encoding of a str password, kept for both: a lone surrogate raises UnicodeEncodeError.
PASSWORD_ENCODING = "utf-8"
HASH_THREAD_NICENESS = 10  # added to the process's own, so relative to the event loop


def _yield_to_the_event_loop() -> None:
    # With a hash thread on every core, the event loop would queue for a core behind them and every
    # request would wait. At a lower priority the hashes give way whenever the loop has work, and still
    # use every core when it has none. Only on Linux is a thread's nice value its own; elsewhere nice()
    # would lower the whole process, event loop included, so the threads keep its priority there.
    if sys.platform == "linux":
        os.nice(HASH_THREAD_NICENESS)


class Argon2PasswordHasher:
    def __init__(
        self,
        time_cost: int = 2,
        memory_kib: int = 19 * 1024,
        parallelism: int = 1,
        threads: int | None = None,
    ) -> None:
        self._argon2 = Argon2(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
        self._time_cost, self._memory_bytes = time_cost, memory_kib * 1024
        # libsodium's argon2id has one lane; its limits are checked here so that hash() cannot fail later.
        self._sodium_hashes = (
            parallelism == 1
            and sodium_argon2id.OPSLIMIT_MIN <= time_cost <= sodium_argon2id.OPSLIMIT_MAX
            and sodium_argon2id.MEMLIMIT_MIN <= self._memory_bytes <= sodium_argon2id.MEMLIMIT_MAX
        )
        # Both bindings (cffi) release the GIL while hashing, so threads up to the core count run in parallel.
        self._executor = ThreadPoolExecutor(
            max_workers=threads or os.cpu_count() or 1,
            thread_name_prefix="argon2",
            initializer=_yield_to_the_event_loop,
        )
        # Checked against when the user does not exist, so that path costs one hash too.
        self._dummy_hash: str | None = None

    async def hash(self, password: str) -> str:
        return await self._run(self._hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        if password_hash is None:
            self._dummy_hash = self._dummy_hash or await self.hash("no such user: spend the same time")
            await self._run(self._verify, self._dummy_hash, password)
            return False
        return await self._run(self._verify, password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        if password_hash.startswith(BCRYPT_PREFIXES):
            return True
        try:
            return self._argon2.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _hash(self, password: str) -> str:
        if not self._sodium_hashes:
            return self._argon2.hash(password)
        return sodium_argon2id.str(
            password.encode(PASSWORD_ENCODING), opslimit=self._time_cost, memlimit=self._memory_bytes
        ).decode("ascii")

    def _verify(self, password_hash: str, password: str) -> bool:
        if password_hash.startswith(BCRYPT_PREFIXES):
            # passlib cut passwords at bcrypt's 72 bytes; bcrypt 5 refuses longer ones, so cut the same way.
            try:
                return bcrypt.checkpw(password.encode()[:72], password_hash.encode())
            except ValueError:
                return False
        if SODIUM_ARGON2ID.fullmatch(password_hash):
            try:
                password_bytes = password.encode(PASSWORD_ENCODING)
                return sodium_argon2id.verify(password_hash.encode("ascii"), password_bytes)
            except nacl.exceptions.InvalidkeyError:
                return False
        try:
            return self._argon2.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    async def _run(self, function, *args):  # type: ignore[no-untyped-def]
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)
