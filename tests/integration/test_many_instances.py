"""Two API processes and two outbox workers on one PostgreSQL behave as one service."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live_server import free_port, wait_until_serving
from tests.settings import OPERATOR, service_env
from tests.smtp_server import SmtpTestServer

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"https?://\S+?/api/v1/auth/[\w-]+/[\w.-]+")


@pytest.fixture
def cluster(pg_url: str, smtp_server: SmtpTestServer, tmp_path: Path) -> Iterator[list[str]]:
    ports = [free_port(), free_port()]
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        **service_env(
            pg_url,
            smtp_server.port,
            RATE_LIMIT_PER_IP_PER_MINUTE=6,
            DOMAIN=f"127.0.0.1:{ports[0]}",
            REFRESH_REUSE_GRACE_SECONDS=0,
        ),
    }  # strict single use: a reuse is told at once
    api = {**env, "OUTBOX_WORKER_ENABLED": "false"}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)],
            cwd=tmp_path,
            env=api,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    processes += [
        subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", "worker"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base in bases:
            wait_until_serving(base)
        yield bases
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        codes = [process.wait(timeout=30) for process in processes]
        # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit reports it; workers exit 0.
        assert codes[:2] == [-signal.SIGTERM] * 2 and codes[2:] == [0, 0]


async def link(smtp: SmtpTestServer, count: int) -> str:
    message = (await smtp.wait_for(count, timeout=20))[count - 1]
    return LINK.findall(message.get_body(("plain",)).get_content())[0]


async def test_the_flows_and_the_limits_hold_across_instances(
    cluster: list[str], smtp_server: SmtpTestServer
) -> None:
    one, two = (httpx.AsyncClient(base_url=base) for base in cluster)
    async with one, two:
        assert (
            await one.post(
                "/api/v1/auth/signup", json={"email": "ada@example.com", "password": "correct horse"}
            )
        ).status_code == 201
        verify_path = httpx.URL(await link(smtp_server, 1)).path
        assert (await two.get(verify_path, headers={"Accept": "application/json"})).status_code == 200

        session = (
            await two.post(
                "/api/v1/auth/login", json={"email": "ada@example.com", "password": "correct horse"}
            )
        ).json()
        rotated = await one.post("/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
        assert rotated.status_code == 200
        reused = await two.post("/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
        assert reused.status_code == 401  # the retired token is known as retired on the other instance too

        await two.post("/api/v1/auth/password-reset-request", json={"email": "ada@example.com"})
        reset_path = httpx.URL(await link(smtp_server, 2)).path
        body = {"new_password": "battery staple", "confirm_new_password": "battery staple"}
        assert (await one.post(reset_path, json=body)).status_code == 200
        assert (await two.post(reset_path, json=body)).status_code == 400  # used, whichever instance asks

        # Six logins a minute per client, counted across both instances: one was spent above.
        answers = [
            await (one if n % 2 else two).post(
                "/api/v1/auth/login", json={"email": "ada@example.com", "password": "battery staple"}
            )
            for n in range(6)
        ]
        assert [a.status_code for a in answers] == [200, 200, 200, 200, 200, 429]
        await asyncio.sleep(0.5)
        # Each email sent once by one of the two workers: the verification, the reset, and the notice that the
        # password changed (issue 12 tells the owner).
        assert len(smtp_server.messages) == 3


def test_serve_with_two_processes_answers_metrics_for_both(
    pg_url: str, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), **service_env(pg_url, smtp_server.port)}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "serve", "--workers", "2", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base)
        for _ in range(40):  # a new connection each, which the kernel hands to either process
            assert httpx.get(f"{base}/api/v1/auth/me").status_code == 401
        counted = 'accounts_http_requests_total{method="GET",route="/api/v1/auth/me",status="401"} 40.0'
        for _ in range(6):  # whichever process answers the scrape, it counts for both
            assert counted in httpx.get(f"{base}/metrics", headers=OPERATOR).text
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=30)
    assert code == 0  # the children stopped gracefully, as they were told to
