"""`accounts serve` bounds what a client may hold: header size, time to send the headers and the body."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live_server import free_port, wait_until_serving
from tests.settings import service_env

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", params=["httptools", "h11"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    folder = tmp_path_factory.mktemp("slow")
    url = f"sqlite+aiosqlite:///{folder / 'accounts.db'}"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        **service_env(
            url,
            25,
            MAIL_BACKEND="memory",
            SERVER_HTTP=request.param,
            MAX_REQUEST_HEADER_BYTES=8192,
            REQUEST_HEADER_TIMEOUT_SECONDS=1,
            REQUEST_BODY_TIMEOUT_SECONDS=1.5,
            REQUEST_BODY_CHUNK_TIMEOUT_SECONDS=0.6,
        ),
    }
    subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "migrate"],
        cwd=folder,
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_serving(f"http://127.0.0.1:{port}")
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def answer_within(sock: socket.socket, seconds: float) -> tuple[bytes, float]:
    """What the server sends until it closes the connection, and how long that took."""
    started, received = time.monotonic(), b""
    sock.settimeout(seconds)
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    return received, time.monotonic() - started


def test_headers_past_the_bound_get_431(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server)) as sock:
        sock.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n")
        try:
            for _ in range(2000):  # 20 MB of headers, were they all taken
                sock.sendall(b"X-Filler: " + b"a" * 10_000 + b"\r\n")
                if select.select([sock], [], [], 0)[0]:
                    break  # the server has answered
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading, as it should
        answer, _ = answer_within(sock, 10)
    assert answer.startswith(b"HTTP/1.1 431"), answer[:100]


def test_headers_past_the_bound_in_one_read_get_431_too(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server)) as sock:
        sock.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\nX-Filler: " + b"a" * 60_000 + b"\r\n\r\n")
        answer, _ = answer_within(sock, 10)
    assert answer.startswith(b"HTTP/1.1 431"), answer[:100]


def test_a_request_whose_headers_never_end_is_cut(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server)) as sock:
        sock.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n")
        answer, took = answer_within(sock, 15)
    assert answer.startswith(b"HTTP/1.1 408") and b"request_timeout" in answer and took < 3


def test_a_connection_that_sends_nothing_is_cut(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server)) as sock:
        _answer, took = answer_within(sock, 15)
    assert took < 3


def test_a_body_trickled_a_byte_at_a_time_is_cut(server: int) -> None:
    body = b'{"email": "ada@example.com"}'
    with socket.create_connection(("127.0.0.1", server)) as sock:
        sock.sendall(
            b"POST /api/v1/auth/password-reset-request HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
        )
        started = time.monotonic()
        try:
            for (
                byte
            ) in body:  # a byte every 0.4 s: each within the chunk bound, the whole far past the body's
                sock.sendall(bytes([byte]))
                time.sleep(0.4)
                if time.monotonic() - started > 5:
                    break
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer, _ = answer_within(sock, 10)
        took = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
    assert took < 4


def test_a_body_that_stops_arriving_is_cut(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server)) as sock:
        sock.sendall(
            b"POST /api/v1/auth/password-reset-request HTTP/1.1\r\nHost: x\r\n"
            b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"email"'
        )
        answer, took = answer_within(sock, 15)
    assert answer.startswith(b"HTTP/1.1 408") and took < 2


def test_an_ordinary_client_is_served_as_before(server: int) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{server}") as client:
        for _ in range(3):  # on one kept-alive connection
            assert client.get("/health/live").status_code == 200
        time.sleep(1.2)  # idle past the header bound: keep-alive, not the guard, decides now
        assert (
            client.post("/api/v1/auth/password-reset-request", json={"email": "ada@example.com"}).status_code
            == 200
        )
