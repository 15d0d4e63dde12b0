"""How `serve --workers 2` spreads load over its processes: the CPU each process spends, in one run.

    .venv/bin/python bench/spread.py [--requests 6000]

Two servers with two processes each, on one PostgreSQL database: `accounts serve --workers 2` (a socket
per process, SO_REUSEPORT) and uvicorn's own `--workers 2` (one socket shared by both). Each is loaded
with GET /api/v1/auth/me over 16 connections opened together, as a burst of clients would, and the CPU
seconds of each process are read from /proc before and after. With a shared socket, whichever process
wakes first can accept most of a burst's connections, and keep them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.client import LeanClient
from bench.common import free_port, fresh_database, start, wait_port
from bench.load import SECRET, TOKEN_SETTINGS, access_token, load, seed

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime and stime


def serving_children(parent: int) -> list[int]:
    """The processes that serve: the parent's children, but for multiprocessing's resource tracker."""
    found = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in found if b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()]


async def measure(name: str, port: int, parent: int, token: str, requests: int) -> None:
    children = serving_children(parent)
    before = {pid: cpu_seconds(pid) for pid in children}
    async with LeanClient("127.0.0.1", port, 16) as client:  # 16 connections opened in one burst
        result = await load(
            name,
            lambda i: client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}),
            requests,
            16,
        )
    spent = [cpu_seconds(pid) - before[pid] for pid in children]
    shares = "  ".join(f"{share / sum(spent):4.0%}" for share in sorted(spent, reverse=True))
    print(f"  {name:34} {result.rate:6.0f} req/s   CPU share of each process: {shares}")


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    url = await fresh_database("bench_spread")
    data = await seed(url, 10_000, unverified=0, sessions=0)
    token = access_token(data["ids"][0])
    env = {
        **TOKEN_SETTINGS,
        "ENVIRONMENT": "test",
        "DATABASE_URL": url,
        "JWT_SECRET": SECRET,
        "MAIL_BACKEND": "memory",
        "OUTBOX_WORKER_ENABLED": "false",
        "RATE_LIMIT_PER_IP_PER_MINUTE": "100000000",
    }
    ours, theirs = free_port(), free_port()
    servers = {
        "accounts serve --workers 2": (
            ours,
            start(
                "spread-accounts",
                ["-m", "entrypoints.cli", "serve", "--workers", "2", "--port", str(ours)],
                env,
            ),
        ),
        "uvicorn --workers 2 (shared socket)": (
            theirs,
            start(
                "spread-uvicorn",
                [
                    "-m",
                    "uvicorn",
                    "entrypoints.http.app:create_app",
                    "--factory",
                    "--workers",
                    "2",
                    "--port",
                    str(theirs),
                    "--log-level",
                    "info",
                ],
                env,
            ),
        ),  # access lines, as accounts serve writes
    }
    try:
        for port, _ in servers.values():
            wait_port(port)
        await asyncio.sleep(2)  # every process is up, not only the first to listen
        for n in range(args.rounds):
            for name, (port, process) in list(servers.items())[:: 1 if n % 2 == 0 else -1]:
                await measure(name, port, process.pid, token, args.requests // args.rounds)
    finally:
        for _, process in servers.values():
            process.terminate()
            process.wait()


if __name__ == "__main__":
    asyncio.run(main())
