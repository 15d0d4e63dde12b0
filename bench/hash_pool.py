"""The hash pool's size and priority against GET /me's p99 during a sign-in flood (issue 25).

    .venv/bin/python bench/hash_pool.py [--rounds 2] [--logins 120] [--configs 2:10,2:0,1:10,4:10,4:0]
    .venv/bin/python bench/hash_pool.py --configs 2:10:argon2-cffi,2:10:pynacl   # with pynacl installed

Each configuration is THREADS:NICENESS[:IMPLEMENTATION] (PASSWORD_HASH_THREADS per API process, the nice
value added to the hash threads, 10 today, and argon2-cffi, the service's hash, or pynacl, libsodium's).
For each, in alternating rounds, `accounts serve --workers 2` starts on one seeded database; GET /me is
timed one at a time unloaded, then one at a time while --logins sign-ins flood it 16 at a time. Printed
per configuration (medians of the rounds): sign-ins/s, GET /me's p99 during the flood and that over its
p99 unloaded (the target is under 5).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.client import LeanClient
from bench.common import free_port, fresh_database, percentile, start, wait_port
from bench.load import PASSWORD, SECRET, TOKEN_SETTINGS, a_client, load, seed


async def me_until(client: LeanClient, token: str, done: asyncio.Task) -> list[float]:
    latencies = []
    while not done.done():
        started = time.perf_counter()
        response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        latencies.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
    return latencies


async def one(
    url: str, data: dict, threads: int, nice: int, implementation: str, logins: int
) -> tuple[float, float, float]:
    port = free_port()
    env = {
        **TOKEN_SETTINGS,
        "ENVIRONMENT": "test",
        "DATABASE_URL": url,
        "JWT_SECRET": SECRET,
        "MAIL_BACKEND": "memory",
        "RATE_LIMIT_PER_IP_PER_MINUTE": "100000000",
        "LOGIN_FAILURES_PER_ACCOUNT": "100000000",
        "OUTBOX_WORKER_ENABLED": "false",
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
        "DATABASE_POOL_SIZE": "10",
        "PASSWORD_HASH_THREADS": str(threads),
        "BENCH_HASH_NICENESS": str(nice),
        "BENCH_HASH_IMPLEMENTATION": implementation,
    }
    server = start("serve-pool", ["-m", "bench.probe", "serve", "--port", str(port), "--workers", "2"], env)
    try:
        wait_port(port)
        token, emails = data["access"][0], data["emails"]
        async with LeanClient("127.0.0.1", port, 18) as client:
            await load(
                "warm-up",
                lambda i: client.post(
                    "/api/v1/auth/login",
                    json={"email": emails[-1 - i], "password": PASSWORD},
                    headers=a_client(),
                ),
                16,
                16,
            )
            alone = await load(
                "me",
                lambda i: client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}),
                300,
                1,
            )
            flood = asyncio.create_task(
                load(
                    "logins",
                    lambda i: client.post(
                        "/api/v1/auth/login",
                        json={"email": emails[-1 - i], "password": PASSWORD},
                        headers=a_client(),
                    ),
                    logins,
                    16,
                )
            )
            await asyncio.sleep(0.5)  # the hash threads busy first
            during = await me_until(client, token, flood)
            logged_in = await flood
        return logged_in.rate, percentile(during, 99), percentile(during, 99) / alone.p99
    finally:
        server.terminate()
        server.wait()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--logins", type=int, default=120)
    parser.add_argument("--configs", default="2:10,2:0,1:10,4:10,4:0")
    args = parser.parse_args()
    configs = [
        (int(threads), int(nice), implementation[0] if implementation else "argon2-cffi")
        for threads, nice, *implementation in (config.split(":") for config in args.configs.split(","))
    ]
    url = await fresh_database("bench_pool")
    data = await seed(url, 2000, unverified=0, sessions=1)
    figures: dict[tuple[int, int, str], list[tuple[float, float, float]]] = {c: [] for c in configs}
    for round_ in range(args.rounds):
        for config in configs[round_ % len(configs) :] + configs[: round_ % len(configs)]:
            figures[config].append(await one(url, data, *config, args.logins))
    print(
        "threads per process : niceness : hash   sign-ins/s   GET /me p99 during the flood   / p99 unloaded"
    )
    for (threads, nice, implementation), runs in figures.items():
        rate, p99, ratio = (statistics.median(run[i] for run in runs) for i in range(3))
        print(
            f"  {threads}:{nice:<2}:{implementation:12} {rate:12.1f}   {p99 * 1000:21.1f} ms   {ratio:18.2f}"
        )


if __name__ == "__main__":
    import uvloop

    uvloop.run(main())
