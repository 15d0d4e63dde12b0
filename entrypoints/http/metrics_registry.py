"""The service's Prometheus metrics and the middleware that counts requests."""

from __future__ import annotations

import os
import time
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from application.mail.outbox_status import OutboxReport


class Metrics:
    """One registry per app, so that several apps in one process (tests) do not share counts.

    Under `accounts serve --workers N` each process counts into files of its own in PROMETHEUS_MULTIPROC_DIR
    (set before the processes start), and whichever process answers a scrape adds up all of them.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "accounts_http_requests",
            "HTTP requests answered",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "accounts_http_request_seconds",
            "Time to answer an HTTP request",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.emails = Counter(
            "accounts_emails",
            "Emails handed to the mail system, by outcome",
            ["outcome"],
            registry=self.registry,
        )
        self.pruned = Counter(
            "accounts_pruned_rows",
            "Rows housekeeping deleted past their retention, by kind",
            ["kind"],
            registry=self.registry,
        )
        # Read from the database at each scrape, the same for every process: the latest reading holds.
        self.outbox_pending = Gauge(
            "accounts_outbox_pending",
            "Emails waiting to be sent",
            registry=self.registry,
            multiprocess_mode="mostrecent",
        )
        self.outbox_dead = Gauge(
            "accounts_outbox_dead",
            "Emails that will not be sent",
            registry=self.registry,
            multiprocess_mode="mostrecent",
        )
        self.outbox_oldest = Gauge(
            "accounts_outbox_oldest_pending_age_seconds",
            "Age of the oldest email waiting (0 when none waits)",
            registry=self.registry,
            multiprocess_mode="mostrecent",
        )
        self.webhooks = Gauge(
            "accounts_webhook_deliveries",
            "Webhook deliveries by state (pending, dead)",
            ["state"],
            registry=self.registry,
            multiprocess_mode="mostrecent",
        )

    def exposition(self) -> bytes:
        if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
            return generate_latest(self.registry)
        everyone = CollectorRegistry()
        multiprocess.MultiProcessCollector(everyone)
        return generate_latest(everyone)

    def record_backlog(self, report: OutboxReport, now: datetime) -> None:
        """The outbox gauges, from a reading of the database taken at a scrape."""
        self.outbox_pending.set(report.emails.pending)
        self.outbox_dead.set(report.emails.dead)
        oldest = report.emails.oldest_pending_created_at
        self.outbox_oldest.set((now - oldest).total_seconds() if oldest else 0)
        self.webhooks.labels("pending").set(report.webhooks.pending)
        self.webhooks.labels("dead").set(report.webhooks.dead)

    def count_email(self, outcome: str) -> None:
        self.emails.labels(outcome).inc()

    def count_pruned(self, kind: str, count: int) -> None:
        self.pruned.labels(kind).inc(count)


# Labelled as they are; anything else (h11 accepts invented methods) is "other", or each one would make new
# series without bound.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            # The route's template, never the path itself: a path holds tokens, and would grow without end.
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"] if scope["method"] in KNOWN_METHODS else "other"
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)
            self.metrics.requests.labels(method, route, str(status)).inc()
