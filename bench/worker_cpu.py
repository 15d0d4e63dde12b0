"""Issue 25's worker profile: the CPU `accounts worker` spends per email, on PostgreSQL, in one process.

    .venv/bin/python bench/worker_cpu.py [--emails 1000]
        [--kind sign-up|reset-password] [--trickle] [--backend memory|smtp] [--profile out.prof]

On a database of its own, `bench_worker_cpu`, made afresh on the benchmark's PostgreSQL (bench/common.py;
never DATABASE_URL's, whose tables it would empty). Seeds --emails accounts
and as many email requests of --kind (not measured), then runs the worker's round (answer the requests,
deliver the outbox) until nothing is left, and prints the process's CPU (utime+stime) per email. With
--trickle one request is queued before each round, as a steady trickle of sign-ups reaches a worker that
keeps up (what bench/load.py's worker sees); without, the requests wait as a backlog and are taken a full
batch at a time. --backend smtp sends to bench/smtp_sink.py in a process of its own.

--compare DIR runs the same measurement from another checkout (e.g. `git archive` of the commit before) in
alternate rounds beside this one and prints the ratio, so both share the machine's drift alike.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, os.environ.get("BENCH_CODE", str(Path(__file__).resolve().parents[1])))

from sqlalchemy import text

from adapters.sqlalchemy.migrate import upgrade
from adapters.sqlalchemy.tables import metadata
from domain.email import Email
from domain.email_requests import EmailRequest, EmailRequestKind
from domain.user import User
from entrypoints.container import build_container, close_container
from entrypoints.settings import Settings

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"


def settings(database_url: str, backend: str, smtp_port: int) -> Settings:
    env = {
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "JWT_SECRET": "benchmark-secret-" + "x" * 40,
        "MAIL_BACKEND": backend,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port or 25),
        "MAIL_STARTTLS": "false",
        "USE_CREDENTIALS": "false",
        "EMAILS_PER_ADDRESS_PER_HOUR": "100000000",
        "DOMAIN": "127.0.0.1:8000",
    }
    return Settings(_env_file=None, **env)  # type: ignore[arg-type]


async def measure(
    database_url: str, count: int, kind: str, trickle: bool, backend: str, port: int, profile: str | None
) -> float:
    container = build_container(settings(database_url, backend, port))
    try:
        engine = container.engine()
        async with engine.begin() as connection:
            tables = ", ".join(table.name for table in metadata.sorted_tables)
            await connection.execute(text(f"TRUNCATE {tables} CASCADE"))
        now = datetime.now(UTC)
        request_kind = EmailRequestKind(kind)
        requests = []
        async with container.uow() as uow:
            for n in range(count):
                user = User(
                    email=Email(f"reader{n}@example.com"),
                    password_hash=HASH,
                    created_at=now,
                    is_verified=request_kind is not EmailRequestKind.SIGN_UP,
                    first_name="Reader",
                )
                await uow.users.add(user)
                requests.append(EmailRequest(request_kind, user.email, now, user_id=user.id))
            if not trickle:
                for request in requests:
                    await uow.email_requests.add(request)
            await uow.commit()

        worker = container.outbox_worker()

        async def round_() -> int:
            # The worker's own round, and its own answer to "again at once?" (private: a bench reads inside).
            return await worker._send_emails()

        async def queue(request: EmailRequest) -> None:
            async with container.uow() as uow:
                await uow.email_requests.add(request)
                await uow.commit()

        for _ in range(3):  # warm: the templates, the statements, the pool
            await round_()
        profiler = cProfile.Profile(time.process_time) if profile else None

        async def drained() -> float:
            """The worker's rounds until nothing is left, and the CPU they took (profiled, if asked)."""
            started = time.process_time()
            if profiler:
                profiler.enable()
            while await round_():
                pass
            if profiler:
                profiler.disable()
            return time.process_time() - started

        cpu = 0.0
        if trickle:
            for request in requests:
                await queue(request)  # the API's part, not counted
                cpu += await drained()
        else:
            cpu = await drained()
        if profiler and profile:
            profiler.dump_stats(profile)
        stats = (await container.outbox_status().execute()).emails
        assert (stats.pending, stats.sent, stats.dead) == (0, count, 0), stats
    finally:
        await close_container(container)
    return cpu / count


def child(args: argparse.Namespace, code: str) -> float:
    env = {**os.environ, "BENCH_CODE": code, "PYTHONPATH": code}
    out = subprocess.run(
        [sys.executable, __file__, *sys.argv[1:], "--json", "--no-compare"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(json.loads(out.strip().splitlines()[-1])["cpu_per_email"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--emails", type=int, default=1000)
    parser.add_argument("--kind", default="sign-up", choices=["sign-up", "reset-password"])
    parser.add_argument("--trickle", action="store_true")
    parser.add_argument("--backend", default="memory", choices=["memory", "smtp"])
    parser.add_argument("--profile")
    parser.add_argument("--compare", help="another checkout, measured in alternate rounds")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-compare", action="store_true")
    args = parser.parse_args()
    if args.no_compare:  # a round of --compare's, in a process of its own: the parent made the database
        database_url = os.environ["BENCH_WORKER_CPU_DATABASE"]
    else:
        from bench.common import fresh_database

        database_url = asyncio.run(fresh_database("bench_worker_cpu"))
        # For the rounds of --compare, an older checkout's among them (which read DATABASE_URL).
        os.environ["BENCH_WORKER_CPU_DATABASE"] = os.environ["DATABASE_URL"] = database_url

    if args.compare and not args.no_compare:
        here = str(Path(__file__).resolve().parents[1])
        ours: list[float] = []
        theirs: list[float] = []
        for n in range(args.rounds):
            for side in (here, args.compare) if n % 2 else (args.compare, here):
                (ours if side == here else theirs).append(child(args, side))
        print(f"CPU per email, this checkout: {[round(x * 1000, 3) for x in ours]} ms")
        print(f"CPU per email, {args.compare}: {[round(x * 1000, 3) for x in theirs]} ms")
        print(f"ratio this / other (sum of rounds): {sum(ours) / sum(theirs):.3f}")
        return

    upgrade(database_url)
    sink = None
    port = 0
    if args.backend == "smtp":
        from bench.common import start_sink

        sink, port = start_sink("sink-worker-cpu")
    try:
        per_email = asyncio.run(
            measure(database_url, args.emails, args.kind, args.trickle, args.backend, port, args.profile)
        )
    finally:
        if sink is not None:
            sink.terminate()
            sink.wait()
    if args.json:
        print(json.dumps({"cpu_per_email": per_email}))
    else:
        print(
            f"{args.kind}, {'trickle' if args.trickle else 'backlog'}, {args.backend}: "
            f"{per_email * 1000:.3f} ms CPU per email"
        )


if __name__ == "__main__":
    main()
