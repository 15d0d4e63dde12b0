"""SIGTERM: the request in flight is answered and the email being sent is delivered; nothing is lost."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.live_server import free_port, wait_until_serving
from tests.settings import service_env
from tests.smtp_server import SmtpTestServer

ROOT = Path(__file__).resolve().parents[2]


async def test_sigterm_lets_the_request_in_flight_and_the_email_being_sent_finish(
        pg_url: str, smtp_server: SmtpTestServer, tmp_path: Path) -> None:
    smtp_server.delay_seconds = 2.0  # the server takes two seconds to accept each message
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), **service_env(pg_url, smtp_server.port, DOMAIN=f"127.0.0.1:{port}")}
    server = subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)],
                              cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            signup = await client.post("/api/v1/auth/signup", json={"email": "ada@example.com",
                                                                     "password": "correct horse"})
        assert signup.status_code == 201
        await until(lambda: smtp_server.data_started == 1)  # the verification email is being sent

        # A request in flight: its headers are in, half of its body is not.
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        body = json.dumps({"email": "ada@example.com"}).encode()
        writer.write(b"POST /api/v1/auth/password-reset-request HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:10])
        await writer.drain()
        await asyncio.sleep(0.3)

        server.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.5)
        writer.write(body[10:])
        answer = await asyncio.wait_for(reader.read(), timeout=10)  # the server closes after answering
        writer.close()
        assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
        assert b"a reset link is on its way" in answer

        # uvicorn re-raises SIGTERM once it has shut down gracefully, so the exit reports the signal.
        assert await asyncio.to_thread(server.wait, 30) == -signal.SIGTERM
    finally:
        if server.poll() is None:
            server.kill()
    assert [m["To"] for m in smtp_server.messages] == ["ada@example.com"]  # delivered before the exit
    status = subprocess.run([sys.executable, "-m", "entrypoints.cli", "outbox", "status"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, check=True).stdout
    # Recorded as sent, so no worker sends it again (the reset request is kept for the next worker).
    assert "sent 1" in status.splitlines(), status


async def until(condition, timeout: float = 10) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)
