"""The app under uvicorn on a thread of its own, for tests that call it synchronously (Hypothesis,
schemathesis)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI


@contextmanager
def serving_in_thread(app: FastAPI) -> Iterator[str]:
    """The base URL while the app serves on a free loopback port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="error", proxy_headers=False))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.05)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(base_url: str, seconds: float = 20) -> None:
    """Returns once a server in another process answers its liveness check."""
    for _ in range(int(seconds / 0.05)):
        try:
            httpx.get(f"{base_url}/health/live")
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError(f"nothing answered at {base_url} within {seconds} s")
