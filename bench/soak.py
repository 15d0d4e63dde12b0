"""Issue 15's soak: a mixed load for 15 minutes at about half of the measured capacity, printed per minute.

    .venv/bin/python bench/soak.py [--minutes 15] [--share 0.5]

`accounts serve --workers 2` and two `accounts worker`s on a PostgreSQL database of their own (bench_soak,
50,000 accounts), delivering to bench/smtp_sink.py and to a webhook receiver subscribed to every event.
First the capacity of the mix is measured (closed loop, 16 connections, 20 s); then requests are sent at
--share of it, open loop (at a fixed pace, whatever the answers' speed), for --minutes. Each minute it
prints requests/s, p50, p99, errors, each process's RSS, the database connections open and the backlog
(email requests unanswered, emails and webhook deliveries pending); then how long the backlog took to
drain after the load. Targets: no 5xx; every process's RSS grows less than 10% from minute 3 to the end;
the backlog is back to zero within a minute of the load's end; the last minute's p99 is within 1.5x of the
third's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.client import LeanClient
from bench.common import (
    BACKLOG,
    ROOT,
    free_port,
    fresh_database,
    percentile,
    start,
    start_sink,
    wait_port,
)
from bench.load import PASSWORD, SECRET, TOKEN_SETTINGS, seed, user_at

# The mix, by weight: reads most, then the writes and the hashes a day of use brings.
MIX = {"me": 40, "refresh": 15, "reset": 15, "verify": 10, "signup": 10, "login": 10}
OK = {"me": 200, "refresh": 200, "reset": 200, "verify": 200, "signup": 201, "login": 200}


class Traffic:
    """Picks the next request of the mix and keeps what a client would keep: the newest refresh tokens."""

    def __init__(self, data: dict) -> None:
        self.data = data
        self.refresh = list(data["refresh"])
        self.counter = 0
        self.random = random.Random(7)
        self.kinds = [kind for kind, weight in MIX.items() for _ in range(weight)]

    async def one(self, client: LeanClient) -> tuple[str, int]:
        self.counter += 1
        n, kind = self.counter, self.random.choice(self.kinds)
        data = self.data
        if kind == "me":
            response = await client.get(
                "/api/v1/auth/me",
                headers={"Authorization": f"Bearer {data['access'][n % len(data['access'])]}"},
            )
        elif kind == "refresh":
            slot = n % len(self.refresh)
            response = await client.post("/api/v1/auth/refresh", json={"refresh_token": self.refresh[slot]})
            if response.status_code == 200:
                self.refresh[slot] = response.json()["refresh_token"]
        elif kind == "reset":
            email = data["emails"][n % len(data["emails"])] if n % 2 else f"nobody{n}@bench.example"
            response = await client.post(
                "/api/v1/auth/password-reset-request", json={"email": email}, headers=user_at(n)
            )
        elif kind == "verify":
            response = await client.get(f"/api/v1/auth/verify/{data['verify'][n % len(data['verify'])]}")
        elif kind == "signup":
            response = await client.post(
                "/api/v1/auth/signup",
                json={"email": f"soak{n}@bench.example", "password": PASSWORD},
                headers=user_at(n),
            )
        else:
            response = await client.post(
                "/api/v1/auth/login",
                json={"email": data["emails"][-1 - n % 10_000], "password": PASSWORD},
                headers=user_at(n),
            )
        return kind, response.status_code


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


async def webhook_receiver() -> tuple[asyncio.Server, int, list[int]]:
    """Answers every POST 200 at once; counts them."""
    received = [0]

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                await reader.readexactly(length)
                received[0] += 1
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], received


async def backlog(db: asyncpg.Connection) -> tuple[int, int]:
    """The work still waiting (requests unanswered, emails and deliveries pending), and the connections
    open."""
    waiting = await db.fetchval(BACKLOG)
    connections = await db.fetchval("SELECT count(*) FROM pg_stat_activity WHERE datname = 'bench_soak'")
    return waiting, connections - 1  # not this one


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=int, default=15)
    parser.add_argument("--share", type=float, default=0.5, help="of the measured capacity")
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    url = await fresh_database("bench_soak")
    data = await seed(url, 50_000, unverified=20_000, sessions=5_000)
    sink, smtp_port = start_sink("soak-sink")
    receiver, hook_port, received = await webhook_receiver()
    port = free_port()
    env = {
        **TOKEN_SETTINGS,
        "ENVIRONMENT": "test",
        "DATABASE_URL": url,
        "JWT_SECRET": SECRET,
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "MAIL_STARTTLS": "false",
        "USE_CREDENTIALS": "false",
        "RATE_LIMIT_PER_IP_PER_MINUTE": "100000000",
        "LOGIN_FAILURES_PER_ACCOUNT": "100000000",
        "EMAILS_PER_ADDRESS_PER_HOUR": "100000000",
        "DOMAIN": f"127.0.0.1:{port}",
        "OUTBOX_WORKER_ENABLED": "false",
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
        "WEBHOOK_ALLOW_PRIVATE": "true",
        "DATABASE_POOL_SIZE": "12",
    }
    subprocess.run(
        [
            sys.executable,
            "-m",
            "entrypoints.cli",
            "webhooks",
            "add",
            "--url",
            f"http://127.0.0.1:{hook_port}/hooks",
            "--events",
            "user.created,user.verified,user.password_changed,user.sessions_revoked",
        ],
        env={**os.environ, **env},
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    server = start(
        "soak-serve", ["-m", "entrypoints.cli", "serve", "--port", str(port), "--workers", "2"], env
    )
    workers = [start(f"soak-worker-{n}", ["-m", "entrypoints.cli", "worker"], env) for n in (1, 2)]
    db = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        wait_port(port)
        await asyncio.sleep(2)  # both serving processes up
        traffic = Traffic(data)
        async with LeanClient("127.0.0.1", port, args.concurrency) as client:
            capacity = await measure_capacity(client, traffic, args.concurrency)
            rate = capacity * args.share
            print(
                f"capacity of the mix: {capacity:.0f} req/s "
                f"(closed loop, {args.concurrency} connections, 20 s); "
                f"soaking at {rate:.0f} req/s for {args.minutes} min; {os.cpu_count()} cores",
                flush=True,
            )
            processes = {
                "serve": server.pid,
                **{f"serve-{n}": pid for n, pid in enumerate(children(server.pid), 1)},
                "worker-1": workers[0].pid,
                "worker-2": workers[1].pid,
            }
            minutes = await soak(client, traffic, rate, args, processes, db)
        drained = await drain(db)
    finally:
        await db.close()
        for process in (server, *workers, sink):
            process.terminate()
            process.wait()
        receiver.close()
    report(minutes, drained, received[0])


async def measure_capacity(client: LeanClient, traffic: Traffic, concurrency: int) -> float:
    done = 0
    deadline = time.monotonic() + 20

    async def runner() -> None:
        nonlocal done
        while time.monotonic() < deadline:
            await traffic.one(client)
            done += 1

    started = time.monotonic()
    await asyncio.gather(*(runner() for _ in range(concurrency)))
    return done / (time.monotonic() - started)


async def soak(
    client: LeanClient,
    traffic: Traffic,
    rate: float,
    args: argparse.Namespace,
    processes: dict[str, int],
    db: asyncpg.Connection,
) -> list[dict]:
    minutes: list[dict] = []
    in_flight = asyncio.Semaphore(args.concurrency * 4)  # past this the pace slips: that shows as req/s
    print(
        f"  {'min':>3} {'req/s':>6} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'5xx':>4} {'backlog':>7} "
        f"{'db conns':>8}  RSS MiB " + " ".join(processes),
        flush=True,
    )
    for minute in range(1, args.minutes + 1):
        latencies: list[float] = []
        errors, server_errors = 0, 0
        tasks: set[asyncio.Task[None]] = set()

        async def fire() -> None:
            nonlocal errors, server_errors
            async with in_flight:
                started = time.perf_counter()
                kind, status = await traffic.one(client)
                latencies.append(time.perf_counter() - started)  # noqa: B023  (the minute awaits its tasks)
                if status != OK[kind]:
                    errors += 1
                    server_errors += status >= 500

        start_of_minute = time.monotonic()
        sent = 0
        while (now := time.monotonic()) < start_of_minute + 60:
            due = int((now - start_of_minute) * rate)
            for _ in range(due - sent):
                task = asyncio.create_task(fire())
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            sent = max(sent, due)
            await asyncio.sleep(0.005)
        await asyncio.gather(*tasks)
        waiting, connections = await backlog(db)
        rss = {name: rss_kib(pid) / 1024 for name, pid in processes.items()}
        row = {
            "minute": minute,
            "rate": len(latencies) / (time.monotonic() - start_of_minute),
            "p50": percentile(latencies, 50) * 1000,
            "p99": percentile(latencies, 99) * 1000,
            "errors": errors,
            "5xx": server_errors,
            "backlog": waiting,
            "connections": connections,
            "rss": rss,
        }
        minutes.append(row)
        print(
            f"  {minute:3} {row['rate']:6.0f} {row['p50']:7.1f} {row['p99']:7.1f} "
            f"{errors:6} {server_errors:4} "
            f"{waiting:7} {connections:8}  " + " ".join(f"{value:7.0f}" for value in rss.values()),
            flush=True,
        )
    return minutes


async def drain(db: asyncpg.Connection) -> float:
    """Seconds from the load's end until nothing waits."""
    started = time.monotonic()
    while (await backlog(db))[0] and time.monotonic() - started < 300:
        await asyncio.sleep(0.5)
    return time.monotonic() - started


def report(minutes: list[dict], drained: float, webhooks: int) -> None:
    third, last = minutes[min(2, len(minutes) - 1)], minutes[-1]
    growth = {name: last["rss"][name] / third["rss"][name] - 1 for name in third["rss"] if third["rss"][name]}
    checks = {
        "no 5xx": sum(m["5xx"] for m in minutes) == 0,
        "RSS of every process grows < 10% from minute 3": all(g < 0.10 for g in growth.values()),
        "backlog back to zero within a minute of the end": drained <= 60,
        "last minute's p99 within 1.5x of the third's": last["p99"] <= 1.5 * third["p99"],
    }
    print(
        "  RSS growth from minute 3 to the end: "
        + ", ".join(f"{n} {g * 100:+.1f}%" for n, g in growth.items())
    )
    print(f"  backlog drained {drained:.1f} s after the load; the receiver got {webhooks} webhooks")
    print(
        f"  p99: minute 3 {third['p99']:.1f} ms, last minute {last['p99']:.1f} ms "
        f"({last['p99'] / third['p99']:.2f}x)"
    )
    for check, ok in checks.items():
        print(f"  {'met' if ok else 'NOT met'}: {check}")


if __name__ == "__main__":
    import uvloop

    uvloop.run(main())
