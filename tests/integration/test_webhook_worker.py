"""The webhook half of `accounts worker`, as a process: killed outright in the middle of deliveries, it loses
no event; its successor sends what it held, under the same webhook-ids."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from application.signup.register_user import Signup
from entrypoints.container import Container, build_container, close_container
from tests.fakes import FakeHasher
from tests.settings import service_env, service_settings
from tests.smtp_server import SmtpTestServer
from tests.webhook_receiver import WebhookReceiver

ROOT = Path(__file__).resolve().parents[2]
WORKER = dict(
    WEBHOOK_ALLOW_PRIVATE=True, OUTBOX_LEASE_SECONDS=2, MAIL_TIMEOUT_SECONDS=0.5, WEBHOOK_TIMEOUT_SECONDS=0.5
)


@pytest.fixture
async def container(pg_url: str, smtp_server: SmtpTestServer) -> AsyncIterator[Container]:
    container = build_container(service_settings(pg_url, smtp_server.port, **WORKER))
    with container.hasher.override(FakeHasher()):
        yield container
    await close_container(container)


def start_worker(pg_url: str, smtp_port: int, tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, **service_env(pg_url, smtp_port, **WORKER), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "worker"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


async def test_a_worker_killed_mid_delivery_loses_no_event(
    container: Container, pg_url: str, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    async with WebhookReceiver(delay_seconds=0.1) as receiver:
        secret = (await container.add_webhook().execute(receiver.url, ["user.created"])).secret
        for n in range(20):
            await container.register_user().execute(Signup(f"reader{n}@example.com", "correct horse"))
        doomed = start_worker(pg_url, smtp_server.port, tmp_path)
        await receiver.wait_for(3, timeout=60)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
        assert len({r.webhook_id for r in receiver.received}) < 20, "the worker finished before it was killed"

        successor = start_worker(pg_url, smtp_server.port, tmp_path)
        try:
            async with asyncio.timeout(60):
                while len({r.webhook_id for r in receiver.received}) < 20:
                    await asyncio.sleep(0.05)
        finally:
            successor.send_signal(signal.SIGTERM)
            assert successor.wait(timeout=30) == 0
    emails = {r.verified(secret)["data"]["user"]["email"] for r in receiver.received}
    assert emails == {f"reader{n}@example.com" for n in range(20)}
    bodies: dict[str, bytes] = {}
    for r in receiver.received:  # one sent twice (it was in flight at the kill) is the same, under one id
        assert bodies.setdefault(r.webhook_id, r.body) == r.body
