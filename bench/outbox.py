"""Issue 3's benchmark, on PostgreSQL, in one run:

1. signup latency (p50, p99) against a service whose SMTP server takes 1 s per message, over the same
   against a service whose SMTP server answers at once (target: under 1.1). The two services run side
   by side, each on a database of its own, and the requests alternate between them.
2. outbox drain rate to a local SMTP sink, over a plain aiosmtplib loop sending the same messages on one
   connection to the same sink (target: at least 0.8).

    .venv/bin/python bench/outbox.py [--signups 400] [--messages 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

import aiosmtplib
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.mail.mime import build_mime
from bench.common import free_port, fresh_database, percentile, start, start_sink, wait_port
from entrypoints.container import build_container, close_container
from entrypoints.settings import Settings

SECRET = "benchmark-secret-" + "x" * 40


def service_env(database_url: str, smtp_port: int, http_port: int) -> dict[str, str]:
    return {
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "JWT_SECRET": SECRET,
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "MAIL_STARTTLS": "false",
        "USE_CREDENTIALS": "false",
        "MAIL_TIMEOUT_SECONDS": "30",
        "OUTBOX_POLL_SECONDS": "0.2",
        "DOMAIN": f"127.0.0.1:{http_port}",
    }


async def signup_latency(count: int) -> tuple[float, float]:
    """p50 and p99 ratios, slow SMTP over instant SMTP."""
    processes = []
    try:
        ports = {}
        for kind, delay in (("instant", 0.0), ("slow", 1.0)):
            sink, smtp_port = start_sink(f"sink-{kind}", delay)
            http_port = free_port()
            database_url = await fresh_database(f"bench_outbox_{kind}")
            service = start(
                f"serve-{kind}",
                ["-m", "entrypoints.cli", "serve", "--port", str(http_port)],
                service_env(database_url, smtp_port, http_port),
            )
            processes += [sink, service]
            wait_port(http_port)
            ports[kind] = http_port
        latencies: dict[str, list[float]] = {"instant": [], "slow": []}
        clients = {
            kind: httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") for kind, port in ports.items()
        }
        for n in range(-10, count):  # the first ten of each warm the processes and are not counted
            for kind in ("instant", "slow") if n % 2 else ("slow", "instant"):
                started = time.perf_counter()
                response = await clients[kind].post(
                    "/api/v1/auth/signup",
                    json={"email": f"u{n + 10}@example.com", "password": "bench pass 1"},
                )
                elapsed = time.perf_counter() - started
                assert response.status_code == 201, response.text
                if n >= 0:
                    latencies[kind].append(elapsed)
        for client in clients.values():
            await client.aclose()
    finally:
        for process in processes:
            process.terminate()
            process.wait()
    for kind, values in latencies.items():
        print(
            f"  signup with {kind:7} SMTP: p50 {percentile(values, 50) * 1000:6.1f} ms, "
            f"p99 {percentile(values, 99) * 1000:6.1f} ms"
        )
    slow, instant = latencies["slow"], latencies["instant"]
    return (percentile(slow, 50) / percentile(instant, 50), percentile(slow, 99) / percentile(instant, 99))


async def drain_rate(count: int, rounds: int = 5) -> float:
    """Messages per second through the outbox, over a plain aiosmtplib loop; same sink, same messages.

    The two alternate in `rounds` rounds, so a change in the machine's load falls on both alike.
    """
    sink, smtp_port = start_sink("sink-drain")
    database_url = await fresh_database("bench_outbox_drain")
    per_round = count // rounds
    # The shipped batch size: the drain includes claiming a batch at a time, as the worker does.
    settings = Settings(_env_file=None, **service_env(database_url, smtp_port, 8000))  # type: ignore[arg-type]
    container = build_container(settings)
    outbox_seconds = plain_seconds = 0.0
    try:
        emails = container.emails()
        messages = [
            emails.custom(f"reader{n}@example.com", "admin_message") for n in range(per_round * rounds)
        ]
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=smtp_port, start_tls=False)
        await smtp.connect()
        deliver = container.deliver_outbox()
        for round_ in range(rounds):
            chunk = messages[round_ * per_round : (round_ + 1) * per_round]
            async with container.uow() as uow:
                for message in chunk:
                    await uow.outbox.add(message)
                await uow.commit()

            started = time.perf_counter()
            while await deliver.execute():
                pass
            outbox_seconds += time.perf_counter() - started

            started = time.perf_counter()
            for message in chunk:
                await smtp.send_message(
                    build_mime(message, settings.MAIL_FROM, settings.MAIL_FROM_NAME),
                    sender=settings.MAIL_FROM,
                    recipients=[message.recipient],
                )
            plain_seconds += time.perf_counter() - started
        await smtp.quit()
        stats = (await container.outbox_status().execute()).emails
        assert (stats.pending, stats.sent, stats.dead) == (0, len(messages), 0), stats
    finally:
        await close_container(container)
        sink.terminate()
        sink.wait()
    sent = per_round * rounds
    print(
        f"  outbox drain: {sent / outbox_seconds:7.0f} messages/s; "
        f"plain aiosmtplib loop: {sent / plain_seconds:7.0f} messages/s"
    )
    return plain_seconds / outbox_seconds


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--signups", type=int, default=400, help="signups counted per service")
    parser.add_argument("--messages", type=int, default=2000, help="messages drained")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONPATH", str(Path(__file__).resolve().parents[1]))

    print(f"signup latency, {args.signups} signups per service, alternating:")
    p50, p99 = await signup_latency(args.signups)
    print(f"drain rate, {args.messages} messages:")
    drain = await drain_rate(args.messages)
    print()
    print(f"signup p50 ratio, 1 s SMTP / instant SMTP: {p50:.3f}  (target < 1.1)")
    print(f"signup p99 ratio, 1 s SMTP / instant SMTP: {p99:.3f}  (target < 1.1)")
    print(f"drain rate ratio, outbox / plain loop:     {drain:.3f}  (target >= 0.8)")


if __name__ == "__main__":
    asyncio.run(main())
