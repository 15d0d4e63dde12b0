"""OpenTelemetry: a sign-up and the delivery of its email, later and by the worker, are one trace; so are
a change and the webhook delivery of its event. Spans go to an in-memory exporter, as they would go to a
collector when OTEL_EXPORTER_OTLP_ENDPOINT is set."""

from __future__ import annotations

import json
import logging

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from entrypoints.logs import JsonFormatter, RequestIdFilter
from entrypoints.telemetry import tracer_provider
from tests.e2e.conftest import running_service
from tests.e2e.test_webhooks import WEBHOOKS, subscribe
from tests.smtp_server import SmtpTestServer
from tests.webhook_receiver import WebhookReceiver


def in_trace(spans: list[ReadableSpan], trace_id: int) -> list[str]:
    return [span.name for span in spans if span.context.trace_id == trace_id]


async def test_a_sign_up_its_email_and_its_webhook_share_one_trace(
    pg_url: str, smtp_server: SmtpTestServer
) -> None:
    exporter = InMemorySpanExporter()
    provider = tracer_provider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    async with (
        WebhookReceiver() as receiver,
        running_service(pg_url, smtp_server, tracer_provider=provider, **WEBHOOKS) as service,
    ):
        await subscribe(service, receiver, ["user.created"])
        assert (await service.signup("ada@example.com")).status_code == 201
        link = await service.link_in_email(1)
        [delivered] = await receiver.wait_for(1)
        assert (await service.client.get(link)).status_code == 200
    token = link.rsplit("/", 1)[1]
    spans = list(exporter.get_finished_spans())
    [request] = [s for s in spans if s.kind is SpanKind.SERVER and s.name == "POST /api/v1/auth/signup"]
    trace_id = request.context.trace_id
    names = in_trace(spans, trace_id)
    assert {"answer email request", "deliver email", "deliver webhook"} <= set(names), names
    assert any(
        s.context.trace_id == trace_id
        and s.attributes
        and s.attributes.get("db.system.name", s.attributes.get("db.system")) == "postgresql"
        for s in spans
    ), "the statements are spans of the trace too"
    [_post] = [
        s
        for s in spans
        if s.kind is SpanKind.CLIENT and s.context.trace_id == trace_id and s.name.startswith("POST")
    ]  # the HTTPX instrumentation's, inside the webhook delivery
    # The receiver can continue the trace: it got its traceparent.
    assert delivered.headers["traceparent"].split("-")[1] == format(trace_id, "032x")
    # The emailed link's token is masked in the request's span, as in the logs.
    assert not [s.name for s in spans if token in str(dict(s.attributes or {})) or token in s.name]
    # The workers' polls make no trace of their own.
    assert all(s.parent is not None or s.kind is not SpanKind.CLIENT for s in spans)


def test_a_log_line_written_in_a_span_carries_its_trace_id() -> None:
    provider = tracer_provider()
    record = logging.LogRecord("accounts", logging.INFO, __file__, 1, "hello", None, None)
    with provider.get_tracer("test").start_as_current_span("work") as span:
        RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    outside = logging.LogRecord("accounts", logging.INFO, __file__, 1, "hello", None, None)
    RequestIdFilter().filter(outside)
    assert "trace_id" not in json.loads(JsonFormatter().format(outside))
