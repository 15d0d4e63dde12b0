"""What uvloop and httptools gain: the same service served with them and with asyncio and h11, in one run.

    .venv/bin/python bench/server_stack.py [--requests 3000]

Two `accounts serve` processes on one PostgreSQL database; the client alternates rounds between them.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.clock import SystemClock  # noqa: E402
from adapters.jwt_tokens import JwtAccessTokenService  # noqa: E402
from bench.common import fresh_database, free_port, start, wait_port  # noqa: E402
from bench.load import SECRET, load, seed  # noqa: E402

STACKS = {"uvloop + httptools": ("uvloop", "httptools"), "asyncio + h11": ("asyncio", "h11")}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    url = await fresh_database("bench_stack")
    data = await seed(url, 10_000, unverified=0, sessions=0)
    processes, bases = [], {}
    try:
        for name, (loop, http) in STACKS.items():
            port = free_port()
            processes.append(start(f"serve-{loop}", ["-m", "entrypoints.cli", "serve", "--port", str(port)], {
                "ENVIRONMENT": "test", "DATABASE_URL": url, "JWT_SECRET": SECRET, "MAIL_BACKEND": "memory",
                "BENCH_ENDPOINTS": "true", "SERVER_LOOP": loop, "SERVER_HTTP": http}))
            wait_port(port)
            bases[name] = f"http://127.0.0.1:{port}"
        token = JwtAccessTokenService(SECRET, "HS256", SystemClock()).issue(
            data["ids"][0], "user", datetime.now(UTC), timedelta(hours=1))
        totals: dict[tuple[str, str], float] = {}
        for _ in range(args.rounds):
            for name, base in bases.items():
                async with httpx.AsyncClient(base_url=base, limits=httpx.Limits(max_connections=18)) as client:
                    for endpoint, request in {
                        "GET /api/v1/auth/me": lambda i: client.get(
                            "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}),
                        "GET /bench/pk": lambda i: client.get(f"/bench/pk/{uuid.uuid4()}"),
                    }.items():
                        result = await load(endpoint, request, args.requests // args.rounds, 16)
                        totals[name, endpoint] = totals.get((name, endpoint), 0) + result.seconds
    finally:
        for process in processes:
            process.terminate()
            process.wait()
    for endpoint in ("GET /api/v1/auth/me", "GET /bench/pk"):
        gain = totals["asyncio + h11", endpoint] / totals["uvloop + httptools", endpoint]
        print(f"{endpoint:22} requests/s with uvloop + httptools over asyncio + h11: {gain:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
