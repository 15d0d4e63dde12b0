"""METRICS_LISTEN: operator data on a listener of its own, off the public port, under `accounts serve`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.live_server import free_port, wait_until_serving
from tests.settings import METRICS_TOKEN, service_env
from tests.smtp_server import SmtpTestServer

ROOT = Path(__file__).resolve().parents[2]


def test_metrics_are_served_on_the_operators_listener_and_not_on_the_public_port(
    pg_url: str, tmp_path: Path
) -> None:
    public, operators = free_port(), free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        **service_env(
            pg_url, 25, MAIL_BACKEND="memory", METRICS_TOKEN="", METRICS_LISTEN=f"127.0.0.1:{operators}"
        ),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "serve", "--workers", "2", "--port", str(public)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_serving(f"http://127.0.0.1:{public}")
        wait_until_serving(f"http://127.0.0.1:{operators}")
        assert httpx.get(f"http://127.0.0.1:{public}/metrics").status_code == 404
        assert httpx.get(f"http://127.0.0.1:{public}/health/live").json() == {"status": "ok"}
        scraped = httpx.get(f"http://127.0.0.1:{operators}/metrics")
        assert scraped.status_code == 200 and "accounts_http_requests_total" in scraped.text
        assert "pid" in httpx.get(f"http://127.0.0.1:{operators}/health/live").json()
        assert httpx.get(f"http://127.0.0.1:{operators}/api/v1/auth/me").status_code == 404  # no API there
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0


async def test_the_separate_worker_serves_its_own_metrics_and_says_what_it_runs(
    pg_url: str, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    public, operators = free_port(), free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        **service_env(pg_url, smtp_server.port, OUTBOX_WORKER_ENABLED=False),
    }
    api = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(public)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "worker"],
        cwd=tmp_path,
        env={**env, "OUTBOX_WORKER_ENABLED": "true", "WORKER_METRICS_LISTEN": f"127.0.0.1:{operators}"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until_serving(f"http://127.0.0.1:{public}")
        wait_until_serving(f"http://127.0.0.1:{operators}")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{public}") as client:
            signup = await client.post(
                "/api/v1/auth/signup", json={"email": "ada@example.com", "password": "correct horse"}
            )
        assert signup.status_code == 201
        await smtp_server.wait_for(1, timeout=30)

        scraped = httpx.get(f"http://127.0.0.1:{operators}/metrics")
        assert scraped.status_code == 200
        assert 'accounts_emails_total{outcome="sent"} 1.0' in scraped.text  # the worker's own count
        assert "accounts_outbox_pending 0.0" in scraped.text and "accounts_outbox_dead 0.0" in scraped.text
        assert "pid" in httpx.get(f"http://127.0.0.1:{operators}/health/live").json()
        elsewhere = httpx.get(f"http://127.0.0.1:{operators}/api/v1/auth/me")
        assert elsewhere.status_code == 404 and elsewhere.json()["error_code"] == "not_found"
        # The API's /metrics counts no email: it sent none. The worker's listener, as METRICS_LISTEN's, asks
        # no token: whoever reaches it is an operator.
        api_metrics = httpx.get(
            f"http://127.0.0.1:{public}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        )
        assert api_metrics.status_code == 200 and "accounts_emails_total{" not in api_metrics.text
    finally:
        worker.send_signal(signal.SIGTERM)
        output = worker.communicate(timeout=30)[0]
        api.send_signal(signal.SIGTERM)
        api.wait(timeout=30)
    assert worker.returncode == 0, output
    [started] = [line for line in output.splitlines() if "worker started" in line]
    for words in (
        "emails (a claim of 10, a lease of 30 s)",
        "webhooks",
        "polling every 0.05 s",
        f"metrics http://127.0.0.1:{operators}/metrics",
    ):
        assert words in started, started
