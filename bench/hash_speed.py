"""One thread's argon2id cost with the service's parameters, in the interpreter that runs it (issue 25).

    python bench/hash_speed.py [--hashes 30] [--verify HASH]

Run with each build of argon2-cffi-bindings to compare (the wheel in .venv, one built from source with
ARGON2_CFFI_USE_SSE2=1 in a scratch virtualenv), in alternating runs; bench/hash_speed.mjs does the same
through @node-rs/argon2. --verify checks a hash another implementation made, and prints one of its own.
"""

from __future__ import annotations

import argparse
import time

from argon2 import PasswordHasher

PARAMETERS = {
    "time_cost": 2,
    "memory_cost": 19 * 1024,
    "parallelism": 1,
}  # entrypoints/settings.py's defaults
PASSWORD = "bench password 1"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hashes", type=int, default=30)
    parser.add_argument("--verify", help="a hash of the benchmark's password made elsewhere")
    args = parser.parse_args()
    hasher = PasswordHasher(**PARAMETERS)
    if args.verify:
        print("verified" if hasher.verify(args.verify, PASSWORD) else "refused")
        print(hasher.hash(PASSWORD))
        return
    hasher.hash(PASSWORD)  # warm: the first call maps the memory
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(args.hashes):
        hasher.hash(PASSWORD)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        f"argon2-cffi: {cpu / args.hashes * 1000:.1f} ms CPU, "
        f"{wall / args.hashes * 1000:.1f} ms wall per hash"
    )


if __name__ == "__main__":
    main()
