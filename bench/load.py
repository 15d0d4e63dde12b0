"""Issue 6's load benchmark: each endpoint's throughput as a ratio to the limit that bounds it, in one run.

    .venv/bin/python bench/load.py [--users 50000] [--concurrency 16]

It serves `accounts serve` on a PostgreSQL database of its own (bench_load) seeded with --users accounts,
with `accounts worker` apart sending the emails (DEPLOYMENT.md's production shape; each load starts once
the worker has done what the load before queued, so that no load is charged for another's emails),
drives it from one asyncio client (bench/client.py) whose connections open once, and measures in the same run:
- the hashing limit: argon2id hashes per second on all cores with the service's parameters (signup, login);
- the framework limit: a bare endpoint in the same server doing one primary-key SELECT through the same pool
  (verify, reset request, refresh, me);
- the write floor: a bare endpoint committing one upsert through the same pool, for the endpoints that must
  commit a write (reset request, refresh), whose cost the read-only framework limit does not include;
- GET /me's p99 while logins saturate the hashing threads, over its p99 unloaded;
- the peer a user would pick instead, fastapi-users (bench/peer/app.py, from a virtualenv of its own made
  from bench/peer/requirements.lock in bench/out/), on the same endpoints, the same data, served the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import jwt
from argon2 import PasswordHasher

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.clock import SystemClock
from adapters.crypto.tokens import ItsdangerousTokenService
from bench.client import LeanClient, Response
from bench.common import OUT, drained, free_port, fresh_database, percentile, start, wait_port
from domain.codes import TokenPurpose

SECRET = "benchmark-secret-" + "x" * 40
# The benchmarks sign access tokens themselves, ahead of the run: HS256 with the secret, as a Bookly
# deployment does (the servers they start are told so).
TOKEN_SETTINGS = {"JWT_ALGORITHM": "HS256", "JWT_ISSUER": "http://bench", "JWT_AUDIENCE": "bookly"}


def bench_session(user_id: uuid.UUID) -> uuid.UUID:
    """The session `seed` opens for every account, which its ready-made access tokens name (sid): the
    service refuses an access token whose session is not live."""
    return uuid.uuid5(user_id, "bench")


def access_token(user_id: uuid.UUID, issued: datetime | None = None) -> str:
    now = issued or datetime.now(UTC)
    return jwt.encode(
        {
            "iss": "http://bench",
            "aud": "bookly",
            "sub": str(user_id),
            "iat": now.timestamp(),
            "exp": int(now.timestamp()) + 3600,
            "role": "user",
            "email_verified": True,
            "sid": str(bench_session(user_id)),
        },
        SECRET,
        algorithm="HS256",
        headers={"typ": "at+jwt"},
    )


PASSWORD = "bench password 1"
ARGON2 = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}  # the service's defaults


WRITERS = (
    "verify (first)",
    "reset request (known)",
    "reset request (unknown)",
    "refresh",
)  # those that commit


@dataclass
class Result:
    name: str
    count: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def line(self, limit: float | None = None, limit_name: str = "") -> str:
        ratio = f"  {self.rate / limit:5.2f} of the {limit_name}" if limit else ""
        return (
            f"  {self.name:24} {self.rate:8.0f} req/s  p50 {percentile(self.latencies, 50) * 1000:7.1f} ms  "
            f"p99 {percentile(self.latencies, 99) * 1000:7.1f} ms{ratio}"
        )


def user_at(i: int) -> dict[str, str]:
    """Request i comes from a user of its own, as reset requests do, through a proxy the service trusts
    (loopback, by default): from one address, every request would queue on that client's counter row."""
    return {"X-Forwarded-For": f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"}


async def load(
    name: str,
    request: Callable[[int], Awaitable[Response]],
    count: int,
    concurrency: int,
    ok: tuple[int, ...] = (200,),
) -> Result:
    """`count` requests, `concurrency` at a time, timed."""
    latencies: list[float] = []
    next_index = iter(range(count))

    async def runner() -> None:
        for n in next_index:
            started = time.perf_counter()
            response = await request(n)
            latencies.append(time.perf_counter() - started)
            assert response.status_code in ok, (name, response.status_code, response.text[:200])

    started = time.perf_counter()
    await asyncio.gather(*(runner() for _ in range(concurrency)))
    return Result(name, count, time.perf_counter() - started, latencies)


def hashing_limit(count: int) -> float:
    """argon2id hashes per second with the service's parameters, on every core."""
    hasher = PasswordHasher(**ARGON2)
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        started = time.perf_counter()
        list(pool.map(hasher.hash, [PASSWORD] * count))
        return count / (time.perf_counter() - started)


async def seed(url: str, users: int, unverified: int, sessions: int) -> dict:
    """Accounts in bulk (one hash shared by all: seeding is not what is measured), and ready-made tokens."""
    password_hash = PasswordHasher(**ARGON2).hash(PASSWORD)
    now = datetime.now(UTC)
    rows = [
        (
            uuid.uuid4(),
            f"user{n}@bench.example",
            password_hash,
            None,
            None,
            None,
            "user",
            n >= unverified,
            now,
            None,
            None,
        )
        for n in range(users)
    ]
    refresh = [secrets.token_urlsafe(32) for _ in range(sessions)]
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await connection.copy_records_to_table(
            "users",
            records=rows,
            columns=[
                "id",
                "email",
                "password_hash",
                "username",
                "first_name",
                "last_name",
                "role",
                "is_verified",
                "created_at",
                "password_changed_at",
                "reset_nonce",
            ],
        )
        await connection.copy_records_to_table(
            "refresh_tokens",
            records=[
                (
                    hashlib.sha256(token.encode()).hexdigest(),
                    rows[n][0],
                    uuid.uuid4(),
                    now,
                    now + timedelta(days=1),
                    None,
                    None,
                    now + timedelta(days=1),
                )
                for n, token in enumerate(refresh)
            ]
            + [
                (
                    secrets.token_hex(32),
                    row[0],
                    bench_session(row[0]),
                    now,
                    now + timedelta(days=1),
                    None,
                    None,
                    now + timedelta(days=1),
                )
                for row in rows
            ],
            columns=[
                "token_hash",
                "user_id",
                "family_id",
                "issued_at",
                "expires_at",
                "used_at",
                "revoked_at",
                "session_expires_at",
            ],
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    links = ItsdangerousTokenService(secret=SECRET, clock=SystemClock())
    return {
        "hash": password_hash,
        "ids": [row[0] for row in rows],
        "emails": [row[1] for row in rows],
        "refresh": refresh,
        "verify": [
            links.issue(TokenPurpose.VERIFY_EMAIL, {"sub": str(rows[n][0]), "email": rows[n][1]})
            for n in range(unverified)
        ],
        "access": [access_token(rows[n][0], now) for n in range(unverified, users)],
    }


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--requests", type=int, default=2000, help="per endpoint without a hash")
    parser.add_argument("--hashed", type=int, default=200, help="per endpoint with a hash")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONPATH", str(Path(__file__).resolve().parents[1]))

    url = await fresh_database("bench_load")
    data = await seed(url, args.users, unverified=args.requests, sessions=args.requests)
    peer = await start_peer(data)
    port = free_port()
    env = {
        **TOKEN_SETTINGS,
        "ENVIRONMENT": "test",
        "DATABASE_URL": url,
        "JWT_SECRET": SECRET,
        "MAIL_BACKEND": "memory",
        "RATE_LIMIT_PER_IP_PER_MINUTE": "100000000",
        "LOGIN_FAILURES_PER_ACCOUNT": "100000000",
        "EMAILS_PER_ADDRESS_PER_HOUR": "100000000",
        "DOMAIN": f"127.0.0.1:{port}",
        "OUTBOX_WORKER_ENABLED": "false",
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
    }  # the load client names a client per user, as a proxy would
    # DEPLOYMENT.md's shape: the API process serves, a worker process apart sends the emails.
    # `accounts serve` with bench/probe.py's yardsticks mounted beside the service's endpoints.
    server = start("serve-load", ["-m", "bench.probe", "serve", "--port", str(port)], env)
    worker = start("worker-load", ["-m", "entrypoints.cli", "worker"], env)
    try:
        wait_port(port)
        ours = await run(port, url, data, args)
        theirs = await run_peer(peer[1], data, args)
    finally:
        for process in (server, worker, peer[0]):
            process.terminate()
            process.wait()
    print("ahead of fastapi-users? (requests/s, ours / theirs; p99, theirs / ours)")
    for name, result in theirs.items():
        print(
            f"  {name:24} throughput {ours[name].rate / result.rate:5.2f}   "
            f"p99 {percentile(result.latencies, 99) / percentile(ours[name].latencies, 99):5.2f}"
        )


PEER = Path(__file__).resolve().parent / "peer"


async def start_peer(data: dict) -> tuple:
    """fastapi-users on its own database, seeded with the same accounts; the process and its port."""
    venv = OUT / "peer-venv"
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # only the peer's own packages
        subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--require-hashes",
                "-r",
                str(PEER / "requirements.lock"),
            ],
            check=True,
            env=clean,
        )
    url = await fresh_database("bench_peer", migrate=False)
    port = free_port()
    process = subprocess.Popen(
        [str(venv / "bin" / "python"), str(PEER / "app.py"), "--port", str(port), "--database-url", url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_port(port)  # its lifespan has made the table by now
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await connection.copy_records_to_table(
            "user",
            records=[
                (user_id, email, data["hash"], True, False, n >= len(data["verify"]))
                for n, (user_id, email) in enumerate(zip(data["ids"], data["emails"], strict=True))
            ],
            columns=["id", "email", "hashed_password", "is_active", "is_superuser", "is_verified"],
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return process, port


def peer_token(claims: dict, audience: str) -> str:
    return jwt.encode(
        {**claims, "aud": [audience], "exp": int(time.time()) + 3600}, SECRET, algorithm="HS256"
    )


async def run_peer(port: int, data: dict, args: argparse.Namespace) -> dict[str, Result]:
    """The same loads on fastapi-users, where it has the endpoint (it has no refresh token)."""
    c, n, h = args.concurrency, args.requests, args.hashed
    ids, emails = data["ids"], data["emails"]
    verify = [peer_token({"sub": str(ids[i]), "email": emails[i]}, "fastapi-users:verify") for i in range(n)]
    access = [peer_token({"sub": str(ids[-1 - i])}, "fastapi-users:auth") for i in range(n)]
    async with LeanClient("127.0.0.1", port, c + 2) as client:
        await load(
            "warm-up",
            lambda i: client.get("/users/me", headers={"Authorization": f"Bearer {access[i]}"}),
            200,
            c,
        )
        results = [
            await load(
                "signup",
                lambda i: client.post(
                    "/auth/register", json={"email": f"new{i}@bench.example", "password": PASSWORD}
                ),
                h,
                c,
                (201,),
            ),
            await load(
                "login",
                lambda i: client.post(
                    "/auth/jwt/login", data={"username": emails[-1 - i], "password": PASSWORD}
                ),
                h,
                c,
            ),
            await load(
                "verify (first)", lambda i: client.post("/auth/verify", json={"token": verify[i]}), n, c
            ),
            await load(
                "reset request (known)",
                lambda i: client.post("/auth/forgot-password", json={"email": emails[i]}),
                n,
                c,
                (202,),
            ),
            await load(
                "reset request (unknown)",
                lambda i: client.post("/auth/forgot-password", json={"email": f"nobody{i}@bench.example"}),
                n,
                c,
                (202,),
            ),
            await load(
                "me",
                lambda i: client.get("/users/me", headers={"Authorization": f"Bearer {access[i]}"}),
                n,
                c,
            ),
        ]
    print("fastapi-users, the same loads:")
    for result in results:
        print(result.line())
    return {result.name: result for result in results}


async def run(port: int, url: str, data: dict, args: argparse.Namespace) -> dict[str, Result]:
    c, n, h = args.concurrency, args.requests, args.hashed

    async def measure(
        name: str,
        request: Callable[[int], Awaitable[Response]],
        count: int,
        concurrency: int,
        ok: tuple[int, ...] = (200,),
    ) -> Result:
        # Each load starts once the worker has done what the one before queued (the reset requests'
        # emails, above all): timed while the worker still sends them, a load would be charged for them.
        await drained(url)
        return await load(name, request, count, concurrency, ok)

    async with LeanClient("127.0.0.1", port, c + 2) as client:
        ids, emails = data["ids"], data["emails"]
        await measure("warm-up", lambda i: client.get(f"/bench/pk/{ids[i]}"), 200, c)
        print(f"{len(ids)} users in the table; {c} concurrent connections; {os.cpu_count()} cores")
        framework = await measure(
            "framework limit (pk)", lambda i: client.get(f"/bench/pk/{ids[i % len(ids)]}"), n, c
        )
        writes = await measure("write floor (upsert)", lambda i: client.post(f"/bench/write/{i}"), n, c)
        # The limit is read just before and just after the loads it bounds, as the machine's speed drifts.
        hash_readings = [hashing_limit(h)]
        signup = await measure(
            "signup",
            lambda i: client.post(
                "/api/v1/auth/signup",
                json={"email": f"new{i}@bench.example", "password": PASSWORD},
                headers=user_at(i),
            ),
            h,
            c,
            (201,),
        )
        login = await measure(
            "login",
            lambda i: client.post(
                "/api/v1/auth/login", json={"email": emails[-1 - i], "password": PASSWORD}, headers=user_at(i)
            ),
            h,
            c,
        )
        hash_readings.append(hashing_limit(h))
        hashes = sum(hash_readings) / 2
        results = [
            (signup, hashes, "hashing limit"),
            (login, hashes, "hashing limit"),
            (
                await measure(
                    "verify (first)", lambda i: client.get(f"/api/v1/auth/verify/{data['verify'][i]}"), n, c
                ),
                framework.rate,
                "framework limit",
            ),
            (
                await measure(
                    "verify (repeated)",
                    lambda i: client.get(f"/api/v1/auth/verify/{data['verify'][i]}"),
                    n,
                    c,
                ),
                framework.rate,
                "framework limit",
            ),
            (
                await measure(
                    "reset request (known)",
                    lambda i: client.post(
                        "/api/v1/auth/password-reset-request", json={"email": emails[i]}, headers=user_at(i)
                    ),
                    n,
                    c,
                ),
                framework.rate,
                "framework limit",
            ),
            (
                await measure(
                    "reset request (unknown)",
                    lambda i: client.post(
                        "/api/v1/auth/password-reset-request",
                        json={"email": f"nobody{i}@bench.example"},
                        headers=user_at(n + i),
                    ),
                    n,
                    c,
                ),
                framework.rate,
                "framework limit",
            ),
            (
                await measure(
                    "refresh",
                    lambda i: client.post("/api/v1/auth/refresh", json={"refresh_token": data["refresh"][i]}),
                    n,
                    c,
                ),
                framework.rate,
                "framework limit",
            ),
            (
                await measure(
                    "me",
                    lambda i: client.get(
                        "/api/v1/auth/me",
                        headers={"Authorization": f"Bearer {data['access'][i % len(data['access'])]}"},
                    ),
                    n,
                    c,
                ),
                framework.rate,
                "framework limit",
            ),
        ]
        me_alone = await measure(
            "me, unloaded",
            lambda i: client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {data['access'][i]}"}),
            300,
            1,
        )
        logins = asyncio.create_task(
            load(
                "login (saturating)",
                lambda i: client.post(
                    "/api/v1/auth/login", json={"email": emails[-1 - i], "password": PASSWORD}
                ),
                h,
                c,
            )
        )
        await asyncio.sleep(1)
        me_loaded = await load(
            "me, during logins",
            lambda i: client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {data['access'][i]}"}),
            300,
            1,
        )
        await logins

    print(
        f"  {'argon2id hashes (limit)':24} {hashes:8.0f} hashes/s on all cores "
        f"(read {hash_readings[0]:.0f} before sign-up and login, {hash_readings[1]:.0f} after)"
    )
    print(framework.line())
    print(writes.line(framework.rate, "framework limit"))
    for result, limit, limit_name in results:
        floor = f"  {result.rate / writes.rate:5.2f} of the write floor" if result.name in WRITERS else ""
        print(result.line(limit, limit_name) + floor)
    print(me_alone.line())
    print(me_loaded.line())
    ratio = percentile(me_loaded.latencies, 99) / percentile(me_alone.latencies, 99)
    print(f"  GET /me p99 while logins saturate the hash threads / unloaded: {ratio:.2f}  (target < 5)")
    return {result.name: result for result, _, _ in results}


if __name__ == "__main__":
    import uvloop  # the client's loop costs less CPU too, which the server under test shares

    uvloop.run(main())
