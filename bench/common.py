"""Shared pieces of the benchmarks: free ports, child processes, a database of their own, percentiles."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
PG = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def fresh_database(name: str, migrate: bool = True) -> str:
    """Drops and creates database `name` on the benchmark's PostgreSQL; its SQLAlchemy URL."""
    admin = await asyncpg.connect(f"{PG}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = f"{PG.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
    if not migrate:
        return url
    subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "migrate"],
        env={**os.environ, "DATABASE_URL": url},
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return url


OUT = ROOT / "bench" / "out"


def start(
    name: str, args: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.Popen[bytes]:
    """A child process whose output goes to bench/out/NAME.log."""
    OUT.mkdir(exist_ok=True)
    log = open(OUT / f"{name}.log", "wb")  # noqa: SIM115 (the child keeps it)
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def start_sink(name: str, delay: float = 0.0) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = start(name, ["bench/smtp_sink.py", "--port", str(port), "--delay", str(delay)])
    wait_port(port)
    return process, port


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


# The work the worker still has to do: email requests unanswered, emails and webhook deliveries pending.
BACKLOG = """
    SELECT (SELECT count(*) FROM email_requests WHERE processed_at IS NULL)
         + (SELECT count(*) FROM outbox_messages WHERE status = 'pending')
         + (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending')"""


async def drained(url: str, timeout: float = 120) -> None:
    """Waits until the worker has done what earlier loads queued: a load timed while the worker still
    sends the last one's emails would be charged for them."""
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        deadline = time.monotonic() + timeout
        while waiting := await connection.fetchval(BACKLOG):
            if time.monotonic() > deadline:  # timed anyway, but not silently
                print(
                    f"  the worker still has {waiting} to do after {timeout:.0f} s; "
                    "the next load shares the cores"
                )
                return
            await asyncio.sleep(0.2)
    finally:
        await connection.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]
