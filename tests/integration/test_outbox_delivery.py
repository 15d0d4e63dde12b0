"""The outbox drained to a real SMTP server from PostgreSQL: retries, dead letters, several workers, a
crash."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from dependency_injector import providers
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from adapters.sqlalchemy.email_requests import SqlAlchemyEmailRequests
from adapters.sqlalchemy.tables import outbox_messages
from adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from application.mail._outcome_recorder import OUTCOME_GROUP
from application.signup.register_user import Signup
from domain.email import Email
from domain.email_requests import EmailRequest, EmailRequestKind
from entrypoints.container import Container, build_container, close_container
from tests.fakes import FakeClock, FakeHasher
from tests.settings import service_env, service_settings
from tests.smtp_server import SmtpTestServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def container(pg_url: str, smtp_server: SmtpTestServer) -> AsyncIterator[Container]:
    container = build_container(service_settings(pg_url, smtp_server.port))
    with container.clock.override(FakeClock()):
        yield container
    await close_container(container)


async def queue(container: Container, count: int) -> None:
    async with container.uow() as uow:
        for n in range(count):
            await uow.outbox.add(container.emails().custom(f"reader{n}@example.com", "admin_message"))
        await uow.commit()


async def rows(container: Container) -> list[dict]:
    async with container.engine().connect() as connection:
        return [dict(r) for r in (await connection.execute(select(outbox_messages))).mappings()]


async def test_two_451_replies_then_delivery_on_the_third_attempt(
    container: Container, smtp_server: SmtpTestServer
) -> None:
    await queue(container, 1)
    smtp_server.fail_next(2, "451 4.3.0 try again later")
    for _ in range(3):
        await container.deliver_outbox().execute()
        container.clock().advance(timedelta(minutes=5))

    [row] = await rows(container)
    assert (row["status"], row["attempts"], row["text_body"]) == ("sent", 3, None)
    assert len(smtp_server.messages) == 1


async def test_a_550_reply_is_dead_after_one_attempt_with_the_error_kept(
    container: Container, smtp_server: SmtpTestServer
) -> None:
    await queue(container, 1)
    smtp_server.fail_next(1, "550 5.1.1 no such user")
    await container.deliver_outbox().execute()
    container.clock().advance(timedelta(hours=2))
    assert await container.deliver_outbox().execute() == 0

    [row] = await rows(container)
    assert (row["status"], row["attempts"]) == ("dead", 1)
    assert "550" in row["last_error"] and "no such user" in row["last_error"]


def start_worker(pg_url: str, smtp_port: int, tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **service_env(
            pg_url, smtp_port, OUTBOX_LEASE_SECONDS=2, MAIL_TIMEOUT_SECONDS=0.5, OUTBOX_BATCH_SIZE=20
        ),
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "worker"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@contextmanager
def no_long_collections() -> Iterator[None]:
    """The SMTP server answers from a thread of this process, and a full garbage collection stops it. After
    tests/e2e/test_database_faults.py and test_metrics.py in the same session (560,000 objects in the heap,
    300,000 of them garbage) one ran in that thread mid-drain for 0.55 s: past the workers'
    MAIL_TIMEOUT_SECONDS, so a worker gave up on a message the server accepted a moment later, and the
    retry delivered it twice. Collected first and the survivors frozen, a collection during the drain walks
    only what the drain made."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


async def wait_until(condition, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


def delivered(smtp: SmtpTestServer) -> Counter[str]:
    return Counter(message["Message-ID"] for message in smtp.messages)


async def test_two_workers_deliver_500_messages_each_exactly_once(
    container: Container, pg_url: str, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    await queue(container, 500)
    smtp_server.delay_seconds = (
        0.005  # long enough a drain that neither worker can finish before the other starts
    )
    with no_long_collections():
        workers = [start_worker(pg_url, smtp_server.port, tmp_path) for _ in range(2)]
        try:
            await wait_until(lambda: len(smtp_server.messages) >= 500)
            await asyncio.sleep(0.5)  # time for a duplicate, were there one, to arrive
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            codes = [worker.wait(timeout=30) for worker in workers]

    counts = delivered(smtp_server)
    assert len(counts) == 500 and set(counts.values()) == {1}
    assert codes == [0, 0] and smtp_server.connections >= 2  # both workers sent
    assert {row["status"] for row in await rows(container)} == {"sent"}


async def test_a_worker_killed_mid_batch_loses_nothing(
    container: Container, pg_url: str, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    await queue(container, 100)
    smtp_server.delay_seconds = 0.02
    doomed = start_worker(pg_url, smtp_server.port, tmp_path)
    await wait_until(lambda: len(smtp_server.messages) >= 10)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    assert len(smtp_server.messages) < 100, "the worker finished before it was killed"

    successor = start_worker(pg_url, smtp_server.port, tmp_path)
    try:
        await wait_until(lambda: len(delivered(smtp_server)) >= 100)
    finally:
        successor.send_signal(signal.SIGTERM)
        successor.wait(timeout=30)

    counts = delivered(smtp_server)
    assert len(counts) == 100
    # Only messages whose outcome was not yet recorded can arrive twice (at most 2 * GROUP), with one
    # Message-ID.
    assert sum(counts.values()) - 100 <= 2 * OUTCOME_GROUP


async def test_a_signup_whose_transaction_fails_stores_neither_user_nor_email(database_url: str) -> None:
    container = build_container(service_settings(database_url, 25))
    stored = EmailRequest(
        EmailRequestKind.VERIFY_EMAIL, Email("someone@example.com"), container.clock().now()
    )
    async with container.uow() as uow:
        await uow.email_requests.add(stored)
        await uow.commit()

    class CollidingRequests(SqlAlchemyEmailRequests):
        async def add(self, request: EmailRequest) -> None:
            # The same id as a stored request: this insert fails after the user's insert went through.
            await super().add(replace(request, id=stored.id))

    class CollidingUnitOfWork(SqlAlchemyUnitOfWork):
        async def __aenter__(self) -> CollidingUnitOfWork:
            await super().__aenter__()
            self.email_requests = CollidingRequests(self._connection)
            return self

    colliding = providers.Factory(
        CollidingUnitOfWork, engine=container.engine, limits=container.limits, clock=container.clock
    )
    with (
        container.uow.override(colliding),
        container.hasher.override(FakeHasher()),
        pytest.raises(IntegrityError),
    ):
        await container.register_user().execute(Signup("ada@example.com", "correct horse"))

    async with container.uow() as check:
        assert await check.users.count() == 0
        assert [r.id for r in await check.email_requests.claim(10)] == [
            stored.id
        ]  # only the one stored before
        assert (await check.outbox.stats()).pending == 0
    await close_container(container)


async def test_after_a_worker_is_killed_every_signups_email_goes_out_within_a_minute_once(
    pg_url: str, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    """40 sign-ups, the worker SIGKILLed just after the first email arrives, a new one started: with the
    default lease and claim size every verification email is delivered within 60 s of the restart. Only
    what the dead worker had delivered and not yet recorded may come again (with its Message-ID); every
    other email comes once."""
    container = build_container(service_settings(pg_url, smtp_server.port))
    addresses = [f"reader{n}@example.com" for n in range(40)]
    with container.hasher.override(FakeHasher()):
        for address in addresses:
            await container.register_user().execute(Signup(address, "correct horse"))
    await close_container(container)
    smtp_server.delay_seconds = 0.2  # eight seconds of sending: the kill lands mid-batch

    def worker() -> subprocess.Popen[bytes]:
        env = {**os.environ, **service_env(pg_url, smtp_server.port), "PYTHONPATH": str(ROOT)}  # the defaults
        return subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", "worker"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    doomed = worker()
    try:
        await wait_until(lambda: len(smtp_server.messages) >= 1)
    finally:
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
    await asyncio.sleep(0.3)  # a message whose end the server had already read is in by now
    before_the_kill = set(delivered(smtp_server))
    assert len(before_the_kill) < 40, "the worker finished before it was killed"

    successor, restarted = worker(), asyncio.get_running_loop().time()
    try:
        await wait_until(lambda: {str(m["To"]) for m in smtp_server.messages} >= set(addresses), timeout=60)
        took = asyncio.get_running_loop().time() - restarted
        await asyncio.sleep(1)  # room for a duplicate, were there one
    finally:
        successor.send_signal(signal.SIGTERM)
        successor.wait(timeout=30)

    assert took < 60, f"the last email went out {took:.0f} s after the restart"
    counts = delivered(smtp_server)
    assert {mid: n for mid, n in counts.items() if n > 1 and mid not in before_the_kill} == {}, (
        "no email the dead worker had not sent is sent twice"
    )
    assert len(counts) == 40
