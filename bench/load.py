"""Issue 6's and 25's load benchmark: each endpoint beside the peers a team would pick instead, in one run.

    .venv/bin/python bench/load.py [--users 50000] [--concurrency 16] [--rounds 3] [--requests 2000]
                                   [--hashed 200]
    .venv/bin/python bench/load.py --users 5000 --rounds 2 --requests 300 --hashed 40   # a smoke run, minutes

Three sides, each on a PostgreSQL database of its own seeded with the same --users accounts, served at once
and loaded in turn, endpoint by endpoint, in alternating rounds (the order of the sides turns each round, so
that the machine's drift falls on every side alike):
- ours: `accounts serve --workers W` (bench/probe.py's yardsticks mounted beside the service's endpoints)
  with `accounts worker` apart sending the emails (DEPLOYMENT.md's production shape; every load starts once
  the worker has done what the loads before queued, so that no load is charged for another's emails);
- fastapi-users (bench/peer/app.py, from a virtualenv made from bench/peer/requirements.lock in bench/out/);
- better-auth (bench/better-auth/server.mjs, `node:cluster` with a worker per core, npm packages from
  bench/better-auth/package-lock.json installed in ~/.cache/bookly-bench/), twice: its default scrypt and
  argon2id at our parameters through @node-rs/argon2. Skipped, with the reason, where Node is missing.
Every request names a client of its own in X-Forwarded-For, as a proxy would. Each load asserts that it did
the work it names, from the side's database afterwards (accounts created or verified, sessions created,
emails queued). The server CPU per request of each side is read from /proc: utime+stime of its server
processes (workers included) and of the PostgreSQL backends connected to its database.

Ours alone it also measures, once: the hashing limit (argon2id hashes per second on all cores), the framework
limit (a bare endpoint doing one primary-key SELECT through the same pool), the write floor (one upsert
committed), the repeated verification, refresh, and GET /me's p99 while logins saturate the hash threads.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import itertools
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from urllib.parse import quote

import asyncpg
import jwt
from argon2 import PasswordHasher

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.clock import SystemClock
from adapters.crypto.passwords import Argon2PasswordHasher
from adapters.crypto.tokens import ItsdangerousTokenService
from bench.client import LeanClient, Response
from bench.common import BACKLOG, OUT, PG, free_port, fresh_database, percentile, start, wait_port
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
ENDPOINTS = ("signup", "login", "verify (first)", "reset request (known)", "reset request (unknown)", "me")
WRITERS = (
    "verify (first)",
    "reset request (known)",
    "reset request (unknown)",
    "refresh",
)  # those that commit
CLIENTS = itertools.count(1)  # X-Forwarded-For addresses, one per request over the whole run


@dataclass
class Result:
    name: str
    count: int
    seconds: float
    latencies: list[float]
    cpu: float = 0.0  # server CPU seconds (processes and PostgreSQL backends) the load took
    cpu_parts: dict[str, float] = field(default_factory=dict)  # the same by part: API, worker, PostgreSQL
    failures: list[tuple[int, str]] = field(default_factory=list)  # answers not in `ok`: status, body

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 99)

    def line(self, limit: float | None = None, limit_name: str = "") -> str:
        ratio = f"  {self.rate / limit:5.2f} of the {limit_name}" if limit else ""
        return (
            f"  {self.name:24} {self.rate:8.0f} req/s  p50 {percentile(self.latencies, 50) * 1000:7.1f} ms  "
            f"p99 {self.p99 * 1000:7.1f} ms{ratio}"
        )


def user_at(i: int) -> dict[str, str]:
    """Request i comes from a client of its own, through a proxy the service trusts (loopback, by default)."""
    return {"X-Forwarded-For": f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"}


JSON_PLEASE = {
    "Accept": "application/json"
}  # an API client verifies by GET; without it the link answers a page


def a_client() -> dict[str, str]:
    """A client of its own for each request, through a proxy every side trusts (loopback; better-auth reads a
    single X-Forwarded-For address): from one address, every request would queue on that client's counter."""
    return user_at(next(CLIENTS))


async def load(
    name: str,
    request: Callable[[int], Awaitable[Response]],
    count: int,
    concurrency: int,
    ok: tuple[int, ...] = (200,),
    tolerate: bool = False,
) -> Result:
    """`count` requests, `concurrency` at a time, timed. An answer not in `ok` stops the run, or with
    `tolerate` is kept in the result's failures (on a shared PostgreSQL a peer may meet its connection
    limit)."""
    latencies: list[float] = []
    failures: list[tuple[int, str]] = []
    next_index = iter(range(count))

    async def runner() -> None:
        for n in next_index:
            started = time.perf_counter()
            response = await request(n)
            latencies.append(time.perf_counter() - started)
            if response.status_code not in ok:
                assert tolerate, (name, response.status_code, response.text[:200])
                failures.append((response.status_code, response.text[:200]))

    started = time.perf_counter()
    await asyncio.gather(*(runner() for _ in range(concurrency)))
    return Result(name, count, time.perf_counter() - started, latencies, failures=failures)


async def hashing_limit(count: int) -> float:
    """argon2id hashes per second through the service's hasher, with its parameters, on every core."""
    hasher = Argon2PasswordHasher(
        time_cost=ARGON2["time_cost"],
        memory_kib=ARGON2["memory_cost"],
        parallelism=ARGON2["parallelism"],
        threads=os.cpu_count() or 1,
    )
    try:
        await hasher.hash(PASSWORD)  # warm: the threads started
        started = time.perf_counter()
        await asyncio.gather(*(hasher.hash(PASSWORD) for _ in range(count)))
        return count / (time.perf_counter() - started)
    finally:
        hasher.close()


# --- CPU from /proc -------------------------------------------------------------------------------------


def process_tree(pid: int) -> list[int]:
    """pid and its descendants (uvicorn's processes, node:cluster's workers)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            queue += [int(child) for child in task.read_text().split()]
    return found


def cpu_ticks(pids: set[int]) -> dict[int, int]:
    ticks = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone since it was listed
            continue
        ticks[pid] = int(fields[11]) + int(fields[12])  # utime + stime
    return ticks


TICK = os.sysconf("SC_CLK_TCK")


# --- the sides --------------------------------------------------------------------------------------------


@dataclass
class Side:
    """One server under test: its processes, its database, and each endpoint's load with the count it
    moves."""

    name: str
    port: int
    database: str
    processes: list[subprocess.Popen]
    parts: list[str]  # what each process is, for the CPU's split: API processes, the worker, a node:cluster
    # endpoint -> (request for request i of round r, expected statuses, a count query, its expected change)
    loads: dict[
        str, tuple[Callable[[LeanClient, int, int], Awaitable[Response]], tuple[int, ...], str | None, str]
    ]
    counter: asyncpg.Connection | None = None  # on its database; its backend is not counted as the server's
    has_worker: bool = False
    results: dict[str, list[Result]] = field(default_factory=dict)

    def pids(self, backends: list[int]) -> dict[int, str]:
        named = {
            pid: part
            for process, part in zip(self.processes, self.parts, strict=True)
            for pid in process_tree(process.pid)
        }
        return named | dict.fromkeys(backends, "PostgreSQL")


async def backends(admin: asyncpg.Connection, side: Side) -> list[int]:
    pids = await admin.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> $2",
        side.database,
        side.counter.get_server_pid(),
    )
    return [row["pid"] for row in pids]


async def settle(side: Side) -> None:
    """Waits until the worker has done what earlier loads queued: a load timed while the worker still
    sends the last one's emails would be charged for them."""
    if not side.has_worker:
        return
    deadline = time.monotonic() + 120
    while waiting := await side.counter.fetchval(BACKLOG):
        if time.monotonic() > deadline:  # timed anyway, but not silently
            print(f"  the worker still has {waiting} to do after 120 s; the next load shares the cores")
            return
        await asyncio.sleep(0.2)


async def measure(
    side: Side,
    admin: asyncpg.Connection,
    client: LeanClient,
    endpoint: str,
    round_: int,
    count: int,
    concurrency: int,
) -> Result:
    request, ok, query, expected = side.loads[endpoint]
    await settle(side)
    before = await side.counter.fetchval(query) if query else 0
    pids = side.pids(await backends(admin, side))
    ticks = cpu_ticks(set(pids))
    result = await load(
        f"{side.name} {endpoint}", lambda i: request(client, round_, i), count, concurrency, ok, tolerate=True
    )
    if result.failures:
        print(f"  {result.name}: {len(result.failures)} of {count} answered {result.failures[0]}")
    # Read once the worker has done what the load queued (its emails): that CPU is the load's too.
    await settle(side)
    pids |= side.pids(await backends(admin, side))
    after = cpu_ticks(set(pids))
    for pid, total in after.items():  # a backend gone meanwhile is lost (the pools keep theirs open)
        result.cpu_parts[pids[pid]] = result.cpu_parts.get(pids[pid], 0) + (total - ticks.get(pid, 0)) / TICK
    result.cpu = sum(result.cpu_parts.values())
    if query:
        moved = await side.counter.fetchval(query) - before
        want = {"count": count - len(result.failures), "none": 0}[expected]
        assert moved == want, f"{side.name} {endpoint}: {query!r} moved by {moved}, not {want}"
    side.results.setdefault(endpoint, []).append(result)
    return result


def pg_dsn(database: str) -> str:
    return f"{PG}/{database}"


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
        "unverified": unverified,
        "verify": [
            links.issue(TokenPurpose.VERIFY_EMAIL, {"sub": str(rows[n][0]), "email": rows[n][1]})
            for n in range(unverified)
        ],
        "access": [access_token(rows[n][0], now) for n in range(unverified, users)],
    }


def common_loads(data: dict, n: int, h: int) -> dict[str, Callable[[int, int], dict]]:
    """What each endpoint's request i of round r is about, the same on every side."""
    emails, verified = data["emails"], len(data["emails"]) - data["unverified"]
    return {
        "new": lambda r, i: f"new{r}.{i}@bench.example",
        "verified": lambda r, i: emails[
            -1 - (r * h + i) % verified
        ],  # the seeded accounts past the unverified
        "known": lambda r, i: emails[-1 - (r * n + i) % verified],  # an account that can reset, on every side
        "unknown": lambda r, i: f"nobody{r}.{i}@bench.example",
    }


def our_side(port: int, processes: list, data: dict, n: int, h: int) -> Side:
    who = common_loads(data, n, h)
    access = data["access"]
    return Side(
        "ours",
        port,
        "bench_load",
        processes,
        ["API", "worker"],
        has_worker=True,
        loads={
            "signup": (
                lambda c, r, i: c.post(
                    "/api/v1/auth/signup",
                    json={"email": who["new"](r, i), "password": PASSWORD},
                    headers=a_client(),
                ),
                (201,),
                "SELECT count(*) FROM users",
                "count",
            ),
            "login": (
                lambda c, r, i: c.post(
                    "/api/v1/auth/login",
                    json={"email": who["verified"](r, i), "password": PASSWORD},
                    headers=a_client(),
                ),
                (200,),
                "SELECT count(*) FROM refresh_tokens",
                "count",
            ),
            "verify (first)": (
                lambda c, r, i: c.get(
                    f"/api/v1/auth/verify/{data['verify'][r * n + i]}", headers={**JSON_PLEASE, **a_client()}
                ),
                (200,),
                "SELECT count(*) FROM users WHERE is_verified",
                "count",
            ),
            "reset request (known)": (
                lambda c, r, i: c.post(
                    "/api/v1/auth/password-reset-request",
                    json={"email": who["known"](r, i)},
                    headers=a_client(),
                ),
                (200,),
                "SELECT count(*) FROM outbox_messages",
                "count",
            ),
            "reset request (unknown)": (
                lambda c, r, i: c.post(
                    "/api/v1/auth/password-reset-request",
                    json={"email": who["unknown"](r, i)},
                    headers=a_client(),
                ),
                (200,),
                "SELECT count(*) FROM outbox_messages",
                "none",
            ),
            "me": (
                lambda c, r, i: c.get(
                    "/api/v1/auth/me",
                    headers={"Authorization": f"Bearer {access[i % len(access)]}", **a_client()},
                ),
                (200,),
                None,
                "",
            ),
        },
    )


# --- fastapi-users ----------------------------------------------------------------------------------------


def argon2_build() -> str:
    """Which build of argon2-cffi-bindings the service runs here: ./dev makes an AVX2 one where it can."""
    made = Path(sys.prefix) / ".argon2-build"
    kind = made.read_text().strip() if made.exists() else "portable"
    where = "built here for AVX2 by ./dev" if kind == "avx2" else "the portable wheel"
    return f"{version('argon2-cffi-bindings')} ({where})"


PEER = Path(__file__).resolve().parent / "peer"


async def start_fastapi_users(data: dict, n: int, h: int) -> Side:
    """fastapi-users on its own database, seeded with the same accounts."""
    venv, lock = OUT / "peer-venv", (PEER / "requirements.lock").read_bytes()
    stamp = venv / ".lock-installed"  # made once the install is whole: a failed one is tried again
    if not stamp.exists() or stamp.read_bytes() != lock:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # only the peer's own packages
        # --no-deps: the lock names every package; an older pip's resolver otherwise trips on
        # sqlalchemy[asyncio] beside the pinned sqlalchemy under --require-hashes.
        subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--require-hashes",
                "-r",
                str(PEER / "requirements.lock"),
            ],
            check=True,
            env=clean,
        )
        stamp.write_bytes(lock)
    url = await fresh_database("bench_peer", migrate=False)
    port = free_port()
    log = open(OUT / "fastapi-users.log", "wb")  # noqa: SIM115 (the child keeps it)
    process = subprocess.Popen(
        [str(venv / "bin" / "python"), str(PEER / "app.py"), "--port", str(port), "--database-url", url],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    wait_port(port)  # its lifespan has made the table by now
    connection = await asyncpg.connect(pg_dsn("bench_peer"))
    await connection.copy_records_to_table(
        "user",
        records=[
            (user_id, email, data["hash"], True, False, i >= data["unverified"])
            for i, (user_id, email) in enumerate(zip(data["ids"], data["emails"], strict=True))
        ],
        columns=["id", "email", "hashed_password", "is_active", "is_superuser", "is_verified"],
    )
    await connection.execute("ANALYZE")
    ids, emails, who = data["ids"], data["emails"], common_loads(data, n, h)
    verify = [
        peer_token({"sub": str(ids[i]), "email": emails[i]}, "fastapi-users:verify")
        for i in range(data["unverified"])
    ]
    access = [peer_token({"sub": str(ids[-1 - i])}, "fastapi-users:auth") for i in range(n)]
    return Side(
        "fastapi-users",
        port,
        "bench_peer",
        [process],
        ["server"],
        counter=connection,
        loads={
            "signup": (
                lambda c, r, i: c.post(
                    "/auth/register",
                    json={"email": who["new"](r, i), "password": PASSWORD},
                    headers=a_client(),
                ),
                (201,),
                'SELECT count(*) FROM "user"',
                "count",
            ),
            # A JWT strategy: its sessions are not stored, so there is nothing to count.
            "login": (
                lambda c, r, i: c.post(
                    "/auth/jwt/login",
                    data={"username": who["verified"](r, i), "password": PASSWORD},
                    headers=a_client(),
                ),
                (200,),
                None,
                "",
            ),
            "verify (first)": (
                lambda c, r, i: c.post("/auth/verify", json={"token": verify[r * n + i]}, headers=a_client()),
                (200,),
                'SELECT count(*) FROM "user" WHERE is_verified',
                "count",
            ),
            # It hands the reset email to on_after_forgot_password, a no-op here: nothing is queued to count.
            "reset request (known)": (
                lambda c, r, i: c.post(
                    "/auth/forgot-password", json={"email": who["known"](r, i)}, headers=a_client()
                ),
                (202,),
                None,
                "",
            ),
            "reset request (unknown)": (
                lambda c, r, i: c.post(
                    "/auth/forgot-password", json={"email": who["unknown"](r, i)}, headers=a_client()
                ),
                (202,),
                None,
                "",
            ),
            "me": (
                lambda c, r, i: c.get(
                    "/users/me", headers={"Authorization": f"Bearer {access[i % len(access)]}", **a_client()}
                ),
                (200,),
                None,
                "",
            ),
        },
    )


def peer_token(claims: dict, audience: str) -> str:
    return jwt.encode(
        {**claims, "aud": [audience], "exp": int(time.time()) + 3600}, SECRET, algorithm="HS256"
    )


# --- better-auth ------------------------------------------------------------------------------------------

BETTER_AUTH = Path(__file__).resolve().parent / "better-auth"
NODE_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "bookly-bench" / "better-auth"


def better_auth_installed() -> Path | str:
    """Its packages, from the committed lock, outside the repository; or why it cannot run here."""
    if not shutil.which("node") or not shutil.which("npm"):
        return "better-auth skipped: Node.js (node and npm) is not installed"
    lock = (BETTER_AUTH / "package-lock.json").read_bytes()
    stamp = NODE_CACHE / ".lock-installed"
    if not stamp.exists() or stamp.read_bytes() != lock:
        NODE_CACHE.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(BETTER_AUTH / name, NODE_CACHE / name)
        installed = subprocess.run(
            ["npm", "ci", "--prefix", str(NODE_CACHE), "--no-audit", "--no-fund"],
            capture_output=True,
            text=True,
        )
        if installed.returncode:
            return f"better-auth skipped: npm ci failed: {installed.stderr.strip().splitlines()[-1:]}"
        stamp.write_bytes(lock)
    # ES modules resolve their imports from the script's folder: it runs beside its node_modules.
    shutil.copy(BETTER_AUTH / "server.mjs", NODE_CACHE / "server.mjs")
    return NODE_CACHE


def session_cookie(token: str) -> str:
    """better-call's signed cookie: the token, a dot, base64 HMAC-SHA256 of it under the secret,
    URL-encoded."""
    signature = base64.b64encode(hmac.new(SECRET.encode(), token.encode(), hashlib.sha256).digest()).decode()
    return f"better-auth.session_token={quote(f'{token}.{signature}', safe='')}"


async def start_better_auth(home: Path, hash_name: str, data: dict, n: int, h: int) -> Side:
    """better-auth with HASH (scrypt, its default, or argon2id at our parameters) on its own database,
    its tables made by its own migrations, seeded with the same accounts."""
    database = f"bench_ba_{hash_name}"
    await fresh_database(database, migrate=False)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": pg_dsn(database),
        "PORT": str(port),
        "SECRET": SECRET,
        "HASH": hash_name,
        "NODE_ENV": "production",
    }  # as deployed: its rate limits on (in each process's memory)
    node = ["node", str(home / "server.mjs")]
    subprocess.run([*node, "migrate"], env=env, check=True, capture_output=True)
    stored = subprocess.run(
        [*node, "hash", PASSWORD], env=env, check=True, capture_output=True, text=True
    ).stdout
    connection = await asyncpg.connect(pg_dsn(database))
    now = datetime.now(UTC)
    ids = [str(user_id) for user_id in data["ids"]]
    await connection.copy_records_to_table(
        "user",
        records=[
            (user_id, "", email, i >= data["unverified"], now, now)
            for i, (user_id, email) in enumerate(zip(ids, data["emails"], strict=True))
        ],
        columns=["id", "name", "email", "emailVerified", "createdAt", "updatedAt"],
    )
    await connection.copy_records_to_table(
        "account",
        records=[(user_id, user_id, "credential", user_id, stored, now, now) for user_id in ids],
        columns=["id", "accountId", "providerId", "userId", "password", "createdAt", "updatedAt"],
    )
    tokens = [secrets.token_urlsafe(24) for _ in range(n)]
    await connection.copy_records_to_table(
        "session",
        records=[
            (uuid.uuid4().hex, now + timedelta(days=7), token, now, now, ids[-1 - i])
            for i, token in enumerate(tokens)
        ],
        columns=["id", "expiresAt", "token", "createdAt", "updatedAt", "userId"],
    )
    await connection.execute("ANALYZE")
    log = open(OUT / f"better-auth-{hash_name}.log", "wb")  # noqa: SIM115 (the child keeps it)
    process = subprocess.Popen(node, env=env, stdout=log, stderr=subprocess.STDOUT)
    wait_port(port)
    emails, who = data["emails"], common_loads(data, n, h)
    # Its verification link carries an HS256 JWT of the address and the account under the secret.
    issued = int(time.time())
    verify = [
        jwt.encode(
            {"email": emails[i], "userId": ids[i], "iat": issued, "exp": issued + 3600},
            SECRET,
            algorithm="HS256",
        )
        for i in range(data["unverified"])
    ]
    cookies = [session_cookie(token) for token in tokens]
    api = "/api/auth"
    return Side(
        f"better-auth ({hash_name})",
        port,
        database,
        [process],
        ["node"],
        counter=connection,
        loads={
            "signup": (
                lambda c, r, i: c.post(
                    f"{api}/sign-up/email",
                    json={"name": "", "email": who["new"](r, i), "password": PASSWORD},
                    headers=a_client(),
                ),
                (200,),
                'SELECT count(*) FROM "user"',
                "count",
            ),
            "login": (
                lambda c, r, i: c.post(
                    f"{api}/sign-in/email",
                    json={"email": who["verified"](r, i), "password": PASSWORD},
                    headers=a_client(),
                ),
                (200,),
                "SELECT count(*) FROM session",
                "count",
            ),
            "verify (first)": (
                lambda c, r, i: c.get(
                    f"{api}/verify-email?token={verify[r * n + i]}",
                    headers={"Accept": "application/json", **a_client()},
                ),
                (200,),
                'SELECT count(*) FROM "user" WHERE "emailVerified"',
                "count",
            ),
            "reset request (known)": (
                lambda c, r, i: c.post(
                    f"{api}/request-password-reset", json={"email": who["known"](r, i)}, headers=a_client()
                ),
                (200,),
                "SELECT count(*) FROM verification",
                "count",
            ),
            "reset request (unknown)": (
                lambda c, r, i: c.post(
                    f"{api}/request-password-reset", json={"email": who["unknown"](r, i)}, headers=a_client()
                ),
                (200,),
                "SELECT count(*) FROM verification",
                "none",
            ),
            "me": (
                lambda c, r, i: c.get(
                    f"{api}/get-session", headers={"Cookie": cookies[i % len(cookies)], **a_client()}
                ),
                (200,),
                None,
                "",
            ),
        },
    )


# --- ours alone ---------------------------------------------------------------------------------------------


async def our_limits(
    client: LeanClient, side: Side, data: dict, args: argparse.Namespace
) -> dict[str, Result]:
    """The limits that bound our endpoints, read once before the rounds."""
    c, n = args.concurrency, args.requests
    ids = data["ids"]
    await settle(side)
    framework = await load(
        "framework limit (pk)", lambda i: client.get(f"/bench/pk/{ids[i % len(ids)]}"), n, c
    )
    await settle(side)
    writes = await load("write floor (upsert)", lambda i: client.post(f"/bench/write/{i}"), n, c)
    return {"framework": framework, "writes": writes}


async def our_extras(client: LeanClient, side: Side, data: dict, args: argparse.Namespace) -> list[Result]:
    """What only we have (refresh, a second use of the link) and GET /me's p99 under a sign-in flood."""
    c, n, h = args.concurrency, args.requests, args.hashed
    emails, access = data["emails"], data["access"]
    await settle(side)
    repeated = await load(
        "verify (repeated)",
        lambda i: client.get(f"/api/v1/auth/verify/{data['verify'][i]}", headers=JSON_PLEASE),
        n,
        c,
    )
    await settle(side)
    refresh = await load(
        "refresh",
        lambda i: client.post("/api/v1/auth/refresh", json={"refresh_token": data["refresh"][i]}),
        n,
        c,
    )
    await settle(side)
    me_alone = await load(
        "me, unloaded",
        lambda i: client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {access[i % len(access)]}"}
        ),
        300,
        1,
    )
    logins = asyncio.create_task(
        load(
            "login (saturating)",
            lambda i: client.post(
                "/api/v1/auth/login", json={"email": emails[-1 - i], "password": PASSWORD}, headers=a_client()
            ),
            h,
            c,
        )
    )
    await asyncio.sleep(1)
    me_loaded = await load(
        "me, during logins",
        lambda i: client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {access[i % len(access)]}"}
        ),
        300,
        1,
    )
    await logins
    return [repeated, refresh, me_alone, me_loaded]


# --- the run ------------------------------------------------------------------------------------------------


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of every side and endpoint")
    parser.add_argument("--requests", type=int, default=2000, help="per endpoint and round without a hash")
    parser.add_argument("--hashed", type=int, default=200, help="per endpoint and round with a hash")
    parser.add_argument(
        "--workers", type=int, default=2, help="our API processes (DEPLOYMENT.md: up to the cores)"
    )
    parser.add_argument(
        "--sides",
        default="ours,fastapi-users,scrypt,argon2id",
        help="which sides to run, of ours,fastapi-users,scrypt,argon2id (better-auth's two hashes)",
    )
    args = parser.parse_args()
    wanted = set(args.sides.split(","))
    n, h, c = args.requests, args.hashed, args.concurrency
    unverified = args.rounds * n  # a fresh link per round (the repeated use takes the first round's again)
    if unverified + max(n, h) > args.users:
        parser.error(
            f"--users must be at least --rounds x --requests + --requests = {unverified + max(n, h)}"
        )
    os.environ.setdefault("PYTHONPATH", str(Path(__file__).resolve().parents[1]))
    OUT.mkdir(exist_ok=True)

    url = await fresh_database("bench_load")
    data = await seed(url, args.users, unverified=unverified, sessions=n)
    sides: list[Side] = []
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
        # Sized to the requests a process serves at once (DEPLOYMENT.md), which keeps the three sides'
        # pools under PostgreSQL's max_connections on a shared server.
        "DATABASE_POOL_SIZE": str(max(4, c // args.workers + 1)),
        "DOMAIN": f"127.0.0.1:{port}",
        "OUTBOX_WORKER_ENABLED": "false",
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
    }  # the load client names a client per user, as a proxy would
    # DEPLOYMENT.md's shape: the API processes serve, a worker process apart sends the emails.
    server = start(
        "serve-load", ["-m", "bench.probe", "serve", "--port", str(port), "--workers", str(args.workers)], env
    )
    worker = start("worker-load", ["-m", "entrypoints.cli", "worker"], env)
    ours = our_side(port, [server, worker], data, n, h)
    ours.counter = await asyncpg.connect(pg_dsn("bench_load"))
    sides.append(ours)
    admin = await asyncpg.connect(f"{PG}/postgres")
    skipped = []
    try:
        if "fastapi-users" in wanted:
            sides.append(await start_fastapi_users(data, n, h))
        hashes = [name for name in ("scrypt", "argon2id") if name in wanted]
        if hashes:
            home = better_auth_installed()
            if isinstance(home, str):
                skipped.append(home)
            else:
                for name in hashes:
                    sides.append(await start_better_auth(home, name, data, n, h))
        wait_port(port)
        print(
            f"{len(data['ids'])} users on each side; {c} concurrent connections; {os.cpu_count()} cores; "
            f"{args.rounds} rounds of {n} requests per endpoint ({h} with a hash)"
        )
        print(f"ours hashes with argon2-cffi-bindings {argon2_build()}")
        async with LeanClient("127.0.0.1", port, c + 2) as ours_client:
            clients = {ours.name: ours_client}
            for side in sides[1:]:
                clients[side.name] = await LeanClient("127.0.0.1", side.port, c + 2).__aenter__()
            for side in sides:  # warm-up: connections opened, code paths compiled
                await load("warm-up", lambda i, s=side: s.loads["me"][0](clients[s.name], 0, i), 200, c)
            limits = await our_limits(ours_client, ours, data, args)
            hash_readings = [await hashing_limit(h)]
            for round_ in range(args.rounds):
                order = sides[round_ % len(sides) :] + sides[: round_ % len(sides)]
                for endpoint in ENDPOINTS:
                    count = h if endpoint in ("signup", "login") else n
                    for side in order:
                        await measure(side, admin, clients[side.name], endpoint, round_, count, c)
                print(f"  round {round_ + 1} of {args.rounds} done")
            hash_readings.append(await hashing_limit(h))
            extras = await our_extras(ours_client, ours, data, args)
            for side in sides[1:]:
                await clients[side.name].__aexit__(None, None, None)
    finally:
        for side in sides:
            for process in side.processes:
                process.terminate()
                process.wait()
            if side.counter is not None:
                await side.counter.close()
        await admin.close()
    report(sides, limits, sum(hash_readings) / 2, hash_readings, extras, skipped)


def median_rate(results: list[Result]) -> float:
    return statistics.median(result.rate for result in results)


def median_p99(results: list[Result]) -> float:
    return statistics.median(result.p99 for result in results)


def cpu_per_request(results: list[Result]) -> float:
    return sum(result.cpu for result in results) / sum(result.count for result in results)


def report(
    sides: list[Side],
    limits: dict[str, Result],
    hashes: float,
    hash_readings: list[float],
    extras: list[Result],
    skipped: list[str],
) -> None:
    print(
        "each side, medians of the rounds: requests/s, p99, server CPU per request (processes + PostgreSQL)"
    )
    for side in sides:
        print(f"  {side.name}")
        for endpoint in ENDPOINTS:
            results = side.results[endpoint]
            count = sum(result.count for result in results)
            parts = {
                part: sum(result.cpu_parts.get(part, 0) for result in results) / count * 1000
                for part in [*side.parts, "PostgreSQL"]
            }
            split = ", ".join(f"{part} {ms:.2f}" for part, ms in parts.items())
            print(
                f"    {endpoint:24} {median_rate(results):8.0f} req/s  "
                f"p99 {median_p99(results) * 1000:7.1f} ms  "
                f"CPU {cpu_per_request(results) * 1000:6.2f} ms/req ({split})"
            )
    ours = sides[0]
    for side in sides[1:]:
        print(
            f"ours / {side.name}: requests/s (>1: ours ahead), p99 (<1: ours ahead), "
            "CPU per request (<1: ours less)"
        )
        for endpoint in ENDPOINTS:
            mine, theirs = ours.results[endpoint], side.results[endpoint]
            print(
                f"  {endpoint:24} {median_rate(mine) / median_rate(theirs):6.2f}  "
                f"{median_p99(mine) / median_p99(theirs):6.2f}  "
                f"{cpu_per_request(mine) / cpu_per_request(theirs):6.2f}"
            )
    if any(side.name.startswith("better-auth") for side in sides):
        print(
            "  (better-auth's rate limits live in each process's memory; ours in PostgreSQL, "
            "shared by every process)"
        )
    for line in skipped:
        print(line)
    framework, writes = limits["framework"], limits["writes"]
    print("ours against the limits that bound it (medians of the rounds):")
    print(
        f"  {'argon2id hashes (limit)':24} {hashes:8.0f} hashes/s on all cores "
        f"(read {hash_readings[0]:.0f} before the rounds, {hash_readings[1]:.0f} after)"
    )
    print(framework.line())
    print(writes.line(framework.rate, "framework limit"))
    for endpoint in ENDPOINTS:
        results = ours.results[endpoint]
        hashed = endpoint in ("signup", "login")
        limit, name = (hashes, "hashing limit") if hashed else (framework.rate, "framework limit")
        floor = (
            f"  {median_rate(results) / writes.rate:5.2f} of the write floor" if endpoint in WRITERS else ""
        )
        print(
            f"  {endpoint:24} {median_rate(results):8.0f} req/s  p99 {median_p99(results) * 1000:7.1f} ms  "
            f"{median_rate(results) / limit:5.2f} of the {name}{floor}"
        )
    repeated, refresh, me_alone, me_loaded = extras
    print(repeated.line(framework.rate, "framework limit"))
    print(
        refresh.line(framework.rate, "framework limit")
        + f"  {refresh.rate / writes.rate:5.2f} of the write floor"
    )
    print(me_alone.line())
    print(me_loaded.line())
    print(
        "  GET /me p99 while logins saturate the hash threads / unloaded: "
        f"{me_loaded.p99 / me_alone.p99:.2f}  "
        "(target < 5)"
    )


if __name__ == "__main__":
    import uvloop  # the client's loop costs less CPU too, which the servers under test share

    uvloop.run(main())
