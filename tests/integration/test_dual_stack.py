"""`accounts serve --host ::`: IPv4 clients arrive as ::ffff:a.b.c.d, and each still has a limit of its
own."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.live_server import free_port, wait_until_serving
from tests.settings import service_env

ROOT = Path(__file__).resolve().parents[2]


def dual_stack_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not dual_stack_available(), reason="no IPv6 socket on this machine")
def test_ipv4_clients_of_a_dual_stack_socket_do_not_share_one_limit(pg_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        **service_env(pg_url, 25, MAIL_BACKEND="memory", LOGIN_FAILURES_PER_ACCOUNT=2),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "serve", "--host", "::", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_serving(f"http://127.0.0.1:{port}")

        def login_from(source: str) -> int:
            with httpx.Client(transport=httpx.HTTPTransport(local_address=source)) as client:
                return client.post(
                    f"http://127.0.0.1:{port}/api/v1/auth/login",
                    json={"email": "ada@example.com", "password": "wrong words"},
                ).status_code

        assert [login_from("127.0.0.1") for _ in range(3)] == [401, 401, 429]
        assert login_from("127.0.0.2") == 401  # another host: its own count, not the first one's lock
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
