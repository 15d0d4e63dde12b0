"""The argon2id cost with the service's parameters, in the interpreter that runs it (issue 25).

    python bench/hash_speed.py [--implementation argon2-cffi|pynacl] [--hashes 40] [--threads 1]
    python bench/hash_speed.py --alternate 5 [--hashes 40] [--threads 1]
    python bench/hash_speed.py [--implementation ...] --verify HASH

One run hashes the benchmark's password --hashes times (after one to warm: the first call maps the
memory) on --threads threads at once, and prints the process's CPU (user + system, getrusage: libsodium
maps and populates a fresh region for every hash, and the kernel's share of that is system time) and
the wall time per hash. With two threads on two cores the wall time per hash halves only if the binding
releases the GIL while it hashes.

PyNaCl was tried and not adopted (bench/RESULTS.md, issue 25): install it by hand to compare.
--alternate N runs each implementation N times, A B A B, each run in a fresh interpreter, and prints
every run and the ratio of their CPU per hash (median, min-max of the pairs). Run it beside other builds
too (argon2-cffi-bindings built from source with ARGON2_CFFI_USE_SSE2=1 in a scratch virtualenv);
bench/better-auth/hash_speed.mjs does the same through @node-rs/argon2. --verify checks a hash another
implementation made, and prints one of its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable

PARAMETERS = {
    "time_cost": 2,
    "memory_cost": 19 * 1024,
    "parallelism": 1,
}  # entrypoints/settings.py's defaults
PASSWORD = "bench password 1"
IMPLEMENTATIONS = ("argon2-cffi", "pynacl")
INTERPRETER = (sys.executable, __file__, "--json")  # each run of --alternate: a fresh one


def hasher(implementation: str) -> tuple[Callable[[str], str], Callable[[str, str], bool]]:
    """hash(password) and verify(hash, password) through one implementation, at the service's parameters."""
    if implementation == "argon2-cffi":
        from argon2 import PasswordHasher
        from argon2.exceptions import VerificationError

        argon2 = PasswordHasher(**PARAMETERS)

        def verify_cffi(password_hash: str, password: str) -> bool:
            try:
                return argon2.verify(password_hash, password)
            except VerificationError:
                return False

        return argon2.hash, verify_cffi
    try:
        import nacl.exceptions
        import nacl.pwhash.argon2id
    except ImportError:
        sys.exit(
            "pynacl is not a dependency of the service: `.venv/bin/pip install pynacl==1.6.2` to compare"
        )

    assert PARAMETERS["parallelism"] == 1  # libsodium's argon2id has one lane

    def hash_sodium(password: str) -> str:
        return nacl.pwhash.argon2id.str(
            password.encode(), opslimit=PARAMETERS["time_cost"], memlimit=PARAMETERS["memory_cost"] * 1024
        ).decode()

    def verify_sodium(password_hash: str, password: str) -> bool:
        try:
            return nacl.pwhash.argon2id.verify(password_hash.encode(), password.encode())
        except nacl.exceptions.InvalidkeyError:
            return False

    return hash_sodium, verify_sodium


def cpu_seconds() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime


def measure(implementation: str, hashes: int, threads: int) -> dict[str, float]:
    hash_password, _ = hasher(implementation)
    hash_password(PASSWORD)  # warm: the first call maps the memory
    shares = [hashes // threads + (i < hashes % threads) for i in range(threads)]

    def work(count: int) -> None:
        for _ in range(count):
            hash_password(PASSWORD)

    workers = [threading.Thread(target=work, args=(count,)) for count in shares]
    (user, system), wall = cpu_seconds(), time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    (user_after, system_after), wall = cpu_seconds(), time.perf_counter() - wall
    user, system = user_after - user, system_after - system
    return {
        "cpu_ms": (user + system) / hashes * 1000,
        "user_ms": user / hashes * 1000,
        "system_ms": system / hashes * 1000,
        "wall_ms": wall / hashes * 1000,
    }


def alternate(runs: int, hashes: int, threads: int) -> None:
    figures: dict[str, list[dict[str, float]]] = {name: [] for name in IMPLEMENTATIONS}
    print(f"{hashes} hashes a run on {threads} thread(s), m={PARAMETERS['memory_cost']} KiB, t=2, p=1")
    for run in range(runs):
        for name in IMPLEMENTATIONS:
            out = subprocess.run(
                [*INTERPRETER, "--implementation", name, "--hashes", str(hashes), "--threads", str(threads)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            figures[name].append(json.loads(out))
            run_figures = figures[name][-1]
            print(
                f"  run {run + 1} {name:12} {run_figures['cpu_ms']:6.1f} ms CPU "
                f"(user {run_figures['user_ms']:5.1f}, system {run_figures['system_ms']:5.1f}) "
                f"{run_figures['wall_ms']:6.1f} ms wall per hash",
                flush=True,
            )
    a, b = IMPLEMENTATIONS
    for what in ("cpu_ms", "user_ms", "system_ms", "wall_ms"):
        ratios = [x[what] / y[what] for x, y in zip(figures[a], figures[b], strict=True)]
        medians = [statistics.median(run[what] for run in figures[name]) for name in (a, b)]
        print(
            f"{a} / {b}, {what.split('_')[0]} per hash: median {statistics.median(ratios):.2f} "
            f"({min(ratios):.2f}-{max(ratios):.2f}); medians {medians[0]:.1f} and {medians[1]:.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--implementation", choices=IMPLEMENTATIONS, default="argon2-cffi")
    parser.add_argument("--hashes", type=int, default=40)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--alternate", type=int, metavar="RUNS", help="run both, A B A B, RUNS times each")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--verify", help="a hash of the benchmark's password made elsewhere")
    args = parser.parse_args()
    if args.alternate:
        alternate(args.alternate, args.hashes, args.threads)
        return
    if args.verify:
        hash_password, verify = hasher(args.implementation)
        print("verified" if verify(args.verify, PASSWORD) else "refused")
        print(hash_password(PASSWORD))
        return
    result = measure(args.implementation, args.hashes, args.threads)
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"{args.implementation} on {args.threads} thread(s): {result['cpu_ms']:.1f} ms CPU (user "
        f"{result['user_ms']:.1f}, system {result['system_ms']:.1f}), {result['wall_ms']:.1f} ms wall a hash"
    )


if __name__ == "__main__":
    main()
