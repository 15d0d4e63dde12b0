"""METRICS_LISTEN: operator data on a listener of its own, off the public port, under `accounts serve`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.live_server import free_port, wait_until_serving
from tests.settings import service_env

ROOT = Path(__file__).resolve().parents[2]


def test_metrics_are_served_on_the_operators_listener_and_not_on_the_public_port(pg_url: str,
                                                                                 tmp_path: Path) -> None:
    public, operators = free_port(), free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           **service_env(pg_url, 25, MAIL_BACKEND="memory", METRICS_TOKEN="", METRICS_LISTEN=f"127.0.0.1:{operators}")}
    server = subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "serve", "--workers", "2",
                               "--port", str(public)], cwd=tmp_path, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
