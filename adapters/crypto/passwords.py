"""argon2id password hashing in a bounded thread pool, so a hash never stalls the event loop.

Bcrypt hashes (the Bookly tutorial's, through passlib) are still checked, and upgraded on the next login.
"""

from __future__ import annotations

import asyncio
import os
import platform
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import bcrypt
from argon2 import PasswordHasher as Argon2
from argon2.exceptions import InvalidHashError, VerificationError

BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")
HASH_THREAD_NICENESS = 10  # added to the process's own, so relative to the event loop


# One small hash in a child process: what an argon2 build this CPU cannot run dies of, not the service.
_PROBE = (
    "from argon2.low_level import Type, hash_secret; "
    "hash_secret(b'probe', b'sixteen byte salt', 1, 64, 1, 32, Type.ID)"
)


class HashBuildUnfit(Exception):
    """The installed argon2 library was built for instructions this CPU lacks."""


def _cpu_flags() -> set[str] | None:
    """The CPU's feature flags where Linux lists them on x86-64, else None (no AVX2 build is made there)."""
    if sys.platform != "linux" or platform.machine() not in ("x86_64", "AMD64"):
        return None
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    return set(line.partition(":")[2].split())
    except OSError:
        pass
    return set()


def check_the_hash_runs_here(
    cpu_flags: Callable[[], set[str] | None] = _cpu_flags, probe: Sequence[str] | None = None
) -> None:
    """`./dev` builds argon2-cffi-bindings for AVX2 where the CPU has it (half the CPU a hash); that
    build dies of SIGILL on a CPU without AVX2, as a virtualenv or an image carried to an older machine
    would. Where this CPU lacks AVX2, one hash in a child process finds it before any request does."""
    flags = cpu_flags()
    if flags is None or "avx2" in flags:
        return
    try:
        # -I: the child imports argon2 from the installed packages only, never from the current directory.
        done = subprocess.run(  # noqa: S603 (our own interpreter, a fixed program)
            probe or [sys.executable, "-I", "-c", _PROBE], capture_output=True, timeout=60, check=False
        )
    except subprocess.TimeoutExpired:
        return  # a machine too busy to say; the build is not what this finds out
    if done.returncode == -signal.SIGILL:
        raise HashBuildUnfit(
            "the argon2 library here was built for instructions this CPU lacks (a hash died of SIGILL): "
            "reinstall it portable, with `ARGON2_BUILD=portable ./dev serve`, or in another virtualenv "
            "`pip install --force-reinstall --no-deps --require-hashes -r` a file holding the lock's "
            "argon2-cffi-bindings line and its hashes"
        )


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
        # argon2-cffi releases the GIL while hashing, so threads up to the core count run in parallel.
        self._executor = ThreadPoolExecutor(
            max_workers=threads or os.cpu_count() or 1,
            thread_name_prefix="argon2",
            initializer=_yield_to_the_event_loop,
        )
        # Checked against when the user does not exist, so that path costs one hash too.
        self._dummy_hash: str | None = None

    async def hash(self, password: str) -> str:
        return await self._run(self._argon2.hash, password)

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

    def _verify(self, password_hash: str, password: str) -> bool:
        if password_hash.startswith(BCRYPT_PREFIXES):
            # passlib cut passwords at bcrypt's 72 bytes; bcrypt 5 refuses longer ones, so cut the same way.
            try:
                return bcrypt.checkpw(password.encode()[:72], password_hash.encode())
            except ValueError:
                return False
        try:
            return self._argon2.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    async def _run(self, function, *args):  # type: ignore[no-untyped-def]
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)
