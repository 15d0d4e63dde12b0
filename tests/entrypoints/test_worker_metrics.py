"""The worker's own metrics listener: what a crowd of scrapers, or of idle sockets, can do to it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from application.mail.outbox_status import OutboxReport
from domain.mail import OutboxStats
from domain.webhooks import DeliveryStats
from entrypoints.http.metrics_registry import Metrics
from entrypoints.worker_metrics import CONNECTIONS, WorkerMetricsListener
from tests.fakes import FakeClock


class SlowStatus:
    """The backlog's read, slow, counting how often it is asked."""

    def __init__(self) -> None:
        self.reads = 0

    async def execute(self, count_sent: bool = True) -> OutboxReport:
        self.reads += 1
        await asyncio.sleep(0.2)
        return OutboxReport(emails=OutboxStats(0, 0, 0, None), webhooks=DeliveryStats(0, 0, 0, None))


async def scrape(address: str, path: str = "/metrics") -> bytes:
    host, port = address.rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    await writer.drain()
    answer = await reader.read()
    writer.close()
    return answer


async def test_scrapes_at_once_share_one_read_and_idle_sockets_are_capped() -> None:
    # Found by a review: each scrape read the database (3,000 at once tied up the worker's pool), and idle
    # sockets, unlimited, used up the descriptors the worker's SMTP and database connections need.
    status = SlowStatus()
    listener = WorkerMetricsListener(
        host="127.0.0.1",
        port=0,
        metrics=Metrics(),
        status=lambda: status,  # type: ignore[arg-type,return-value]
        clock=FakeClock(datetime(2026, 1, 1, tzinfo=UTC)),
    )
    address = await listener.start()
    try:
        answers = await asyncio.gather(*(scrape(address) for _ in range(20)))
        assert all(answer.startswith(b"HTTP/1.1 200") for answer in answers) and status.reads == 1
        host, port = address.rsplit(":", 1)
        idle = [await asyncio.open_connection(host, int(port)) for _ in range(CONNECTIONS + 10)]
        await asyncio.sleep(0.1)
        for reader, _ in idle[CONNECTIONS:]:  # past the cap: closed at once, unanswered
            assert await asyncio.wait_for(reader.read(), 1) == b""
        for _, writer in idle:
            writer.close()
        await asyncio.sleep(0.1)
        assert (await scrape(address, "/health/live")).startswith(b"HTTP/1.1 200")
    finally:
        await listener.stop()
