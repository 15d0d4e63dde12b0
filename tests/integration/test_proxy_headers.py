"""Limits count the client a trusted proxy names in X-Forwarded-For, and ignore the header from anyone
else."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.live_server import free_port, wait_until_serving
from tests.settings import service_env

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("trusted", "answers"),
    [
        ("127.0.0.1", [200, 200, 429]),  # the test is the proxy: two clients with a limit of one each
        (
            "192.0.2.10",
            [200, 429, 429],
        ),  # a proxy elsewhere: the header is anyone's word, the connection counts
    ],
)
def test_forwarded_for_counts_only_from_a_trusted_proxy(
    pg_url: str, tmp_path: Path, trusted: str, answers: list[int]
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        **service_env(pg_url, 25, MAIL_BACKEND="memory", RATE_LIMIT_PER_IP_PER_MINUTE=1),
    }
    # From the deployment's .env, which uvicorn itself never reads: the setting must reach it through ours.
    env.pop("FORWARDED_ALLOW_IPS", None)
    (tmp_path / ".env").write_text(f"FORWARDED_ALLOW_IPS={trusted}\n")
    server = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_serving(f"http://127.0.0.1:{port}")
        got = [
            httpx.post(
                f"http://127.0.0.1:{port}/api/v1/auth/password-reset-request",
                json={"email": "ada@example.com"},
                headers={"X-Forwarded-For": client},
            ).status_code
            for client in ("198.51.100.1", "198.51.100.2", "198.51.100.2")
        ]
        assert got == answers
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
