"""What a change gains: two builds of the service served side by side, loaded in alternating rounds, one run.

    .venv/bin/python bench/compare.py BEFORE AFTER [--requests 3000] [--rounds 6] [--endpoints me,pk,...]

BEFORE and AFTER each name a build: a git revision, then optionally a colon and settings.
    HEAD~1 HEAD                                   a commit against its parent
    :SERVER_LOOP=asyncio,SERVER_HTTP=h11 :        a setting against the working tree's defaults
A revision is exported with `git archive` into bench/out/ and served by the same virtualenv; the working
tree is served as it is. Both serve one PostgreSQL database (migrated by the working tree) with 50,000
users, with no outbox worker inside (OUTBOX_WORKER_ENABLED=false unless a build sets it), so neither
drains the other's backlog while it is timed. Each round loads every endpoint on both, in an order that
alternates, so a machine that slows down mid-run slows both alike. The answer is AFTER's requests/s
over BEFORE's, per endpoint, with each one's p99.

me-under-logins is GET /me, one at a time, while logins keep the hash threads busy: its p99 is what the
event loop's waiting for a core costs.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.client import LeanClient, Response
from bench.common import OUT, ROOT, free_port, fresh_database, percentile, start, wait_port
from bench.load import PASSWORD, SECRET, TOKEN_SETTINGS, Result, access_token, load, seed, user_at

Request = Callable[[LeanClient, int], Awaitable[Response]]


ENDPOINTS = ("pk", "me", "verify", "reset", "refresh", "signup", "login")


def endpoints(data: dict) -> dict[str, tuple[Request, tuple[int, ...]]]:
    """Each endpoint's request for index i; an index is used once, so one-time tokens stay fresh."""
    token = access_token(data["ids"][-1])
    ids = data["ids"]
    return {
        "pk": (lambda c, i: c.get(f"/bench/pk/{ids[i % len(ids)]}"), (200,)),
        "me": (lambda c, i: c.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}), (200,)),
        "verify": (lambda c, i: c.get(f"/api/v1/auth/verify/{data['verify'][i]}"), (200,)),
        "reset": (
            lambda c, i: c.post(
                "/api/v1/auth/password-reset-request",
                json={"email": f"nobody{i}@bench.example"},
                headers=user_at(i),
            ),
            (200,),
        ),
        "refresh": (
            lambda c, i: c.post("/api/v1/auth/refresh", json={"refresh_token": data["refresh"][i]}),
            (200,),
        ),
        "signup": (
            lambda c, i: c.post(
                "/api/v1/auth/signup",
                json={"email": f"new{i}@bench.example", "password": PASSWORD},
                headers=user_at(i),
            ),
            (201,),
        ),
        "login": (
            lambda c, i: c.post(
                "/api/v1/auth/login", json={"email": data["emails"][-1 - i % 1000], "password": PASSWORD}
            ),
            (200,),
        ),
    }


def build(spec: str) -> tuple[Path, dict[str, str]]:
    """The source folder and the settings that REVISION[:NAME=VALUE,...] names."""
    revision, _, settings = spec.partition(":")
    env = dict(pair.split("=", 1) for pair in settings.split(",") if pair)
    if not revision:
        return ROOT, env
    sha = subprocess.run(
        ["git", "rev-parse", "--short", revision], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    folder = OUT / f"rev-{sha}"
    if not folder.exists():  # extracted beside it and renamed, so a failed extraction leaves no half folder
        partial = OUT / f"rev-{sha}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", sha], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(partial)], input=archive, check=True)
        partial.rename(folder)
    return folder, env


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--requests", type=int, default=3000, help="per endpoint and build, over all rounds")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--endpoints",
        default="pk,me,verify,reset,refresh",
        help="of pk, me, verify, reset, refresh, signup, login, me-under-logins",
    )
    args = parser.parse_args()
    chosen = args.endpoints.split(",")
    unknown = set(chosen) - {*ENDPOINTS, "me-under-logins"}
    if unknown:
        parser.error(
            f"unknown endpoints {', '.join(sorted(unknown))}; choose from {', '.join(ENDPOINTS)}, "
            "me-under-logins"
        )
    url = await fresh_database("bench_compare")
    data = await seed(url, 50_000, unverified=2 * args.requests, sessions=2 * args.requests)
    requests = endpoints(data)
    builds, processes = {}, []
    try:
        for label, spec in (("before", args.before), ("after", args.after)):
            folder, env = build(spec)
            port = free_port()
            # Revisions before bench/probe.py mounted the yardsticks with BENCH_ENDPOINTS instead.
            launcher = "bench.probe" if (folder / "bench" / "probe.py").exists() else "entrypoints.cli"
            processes.append(
                start(
                    f"compare-{label}",
                    ["-m", launcher, "serve", "--port", str(port)],
                    {
                        **TOKEN_SETTINGS,
                        "PYTHONPATH": str(folder),
                        "ENVIRONMENT": "test",
                        "DATABASE_URL": url,
                        "JWT_SECRET": SECRET,
                        "MAIL_BACKEND": "memory",
                        "BENCH_ENDPOINTS": "true",
                        "OUTBOX_WORKER_ENABLED": "false",
                        "RATE_LIMIT_PER_IP_PER_MINUTE": "100000000",
                        "FORWARDED_ALLOW_IPS": "127.0.0.1",
                        "EMAILS_PER_ADDRESS_PER_HOUR": "100000000",
                        **env,
                    },
                    cwd=folder,
                )
            )
            wait_port(port)
            builds[label] = port
        seconds, latencies = await alternate(builds, requests, chosen, args)
    finally:
        for process in processes:
            process.terminate()
            process.wait()
    print(
        f"{args.after!r} over {args.before!r}: requests/s, {args.requests} requests per endpoint and build, "
        f"{args.concurrency} connections, {args.rounds} rounds"
    )
    for name in chosen:
        rates = [len(latencies[label, name]) / seconds[label, name] for label in ("before", "after")]
        p99s = [percentile(latencies[label, name], 99) * 1000 for label in ("before", "after")]
        print(
            f"  {name:16} {rates[0]:7.0f} -> {rates[1]:7.0f} req/s  {rates[1] / rates[0]:5.2f}x   "
            f"p99 {p99s[0]:7.1f} -> {p99s[1]:7.1f} ms"
        )


async def alternate(
    builds: dict[str, int],
    requests: dict,
    chosen: list[str],
    args: argparse.Namespace,
) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], list[float]]]:
    per_round = args.requests // args.rounds
    seconds: dict[tuple[str, str], float] = {}
    latencies: dict[tuple[str, str], list[float]] = {}
    clients = {label: LeanClient("127.0.0.1", port, args.concurrency) for label, port in builds.items()}
    # GET /me under logins gets a connection of its own: in a shared pool the logins would starve it.
    side = {label: LeanClient("127.0.0.1", port, 1) for label, port in builds.items()}
    for client in [*clients.values(), *side.values()]:
        await client.__aenter__()
    try:
        warm_up, _ = requests["pk"]
        for client in clients.values():  # connections, pools, statement caches
            await load("warm-up", lambda i, c=client: warm_up(c, i), 400, args.concurrency)
        for n in range(args.rounds):
            order = list(clients) if n % 2 == 0 else list(reversed(clients))
            for name in chosen:
                request, ok = requests.get(name, (None, ()))
                for label in order:
                    offset = (0 if label == "before" else args.requests) + n * per_round
                    client = clients[label]
                    if name == "me-under-logins":
                        result = await me_under_logins(
                            client, side[label], requests, per_round, args.concurrency
                        )
                    else:
                        result = await load(
                            name,
                            lambda i, c=client, o=offset, r=request: r(c, o + i),
                            per_round,
                            args.concurrency,
                            ok,
                        )
                    seconds[label, name] = seconds.get((label, name), 0.0) + result.seconds
                    latencies.setdefault((label, name), []).extend(result.latencies)
    finally:
        for client in [*clients.values(), *side.values()]:
            await client.__aexit__()
    return seconds, latencies


async def me_under_logins(
    client: LeanClient, me_client: LeanClient, requests: dict, count: int, concurrency: int
) -> Result:
    """GET /me one at a time while `concurrency` logins keep the hash threads busy."""
    login, _ = requests["login"]
    me, _ = requests["me"]
    busy = asyncio.Event()

    async def keep_logging_in(k: int) -> None:
        for i in range(k, 10**9, concurrency):
            await login(client, i)
            busy.set()
            if stop.is_set():
                return

    stop = asyncio.Event()
    logins = [asyncio.create_task(keep_logging_in(k)) for k in range(concurrency)]
    await busy.wait()
    result = await load("me-under-logins", lambda i: me(me_client, i), count, 1)
    stop.set()
    await asyncio.gather(*logins)
    return result


if __name__ == "__main__":
    import uvloop

    uvloop.run(main())
