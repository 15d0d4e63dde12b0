"""`accounts serve` as run in production: JSON log lines with request ids, and no secret in any of them."""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.live_server import free_port, wait_until_serving

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "eyJzdWIiOiI0MiJ9.aBcDeF.c2lnbmF0dXJl"
PASSWORD = "a very secret passphrase"


def test_json_lines_carry_the_request_id_and_never_a_password_or_token(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "DATABASE_"))},
        "PYTHONPATH": str(ROOT),
        "LOG_FORMAT": "json",
        "MAIL_BACKEND": "memory",
        "PASSWORD_HASH_MEMORY_KIB": "1024",
        "PASSWORD_HASH_TIME_COST": "1",
    }
    subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "migrate"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(base)
        signup = httpx.post(
            f"{base}/api/v1/auth/signup", json={"email": "ada@example.com", "password": PASSWORD}
        )
        verify = httpx.get(f"{base}/api/v1/auth/verify/{TOKEN}", headers={"X-Request-ID": "req-42"})
        assert signup.status_code == 201 and verify.status_code == 400
        assert verify.headers["x-request-id"] == "req-42" and len(signup.headers["x-request-id"]) == 32
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]

    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert lines and len(lines) == len(output.splitlines())  # every line is JSON
    access = [line for line in lines if "/api/v1/auth/verify/" in line["message"]]
    assert access and access[0]["request_id"] == "req-42"
    assert TOKEN not in output and PASSWORD not in output


def test_the_console_mail_backend_still_shows_the_link_to_follow(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "DATABASE_"))},
        "PYTHONPATH": str(ROOT),
        "PASSWORD_HASH_MEMORY_KIB": "1024",
        "PASSWORD_HASH_TIME_COST": "1",
        "OUTBOX_POLL_SECONDS": "0.1",
    }
    subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "migrate"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until_serving(f"http://127.0.0.1:{port}")
        httpx.post(
            f"http://127.0.0.1:{port}/api/v1/auth/signup",
            json={"email": "ada@example.com", "password": PASSWORD},
        )
        time.sleep(0.6)  # the worker polls every 0.1 s here
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    [link] = re.findall(rf"http://localhost:{port}/api/v1/auth/verify/\S+", output)
    assert "***" not in link
