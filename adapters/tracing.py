"""OpenTelemetry in the adapters: the trace a queued message belongs to is stored with it (its W3C
traceparent), and its delivery, later and in another process, is a span of that same trace.

With no tracer provider (tracing off, the default) nothing here is wired in but `current_trace_context`,
which finds no span and costs a look at a context variable."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from opentelemetry import metrics, propagate, trace
from opentelemetry.context import Context
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy.ext.asyncio import AsyncEngine

from application.ports.mail import MailSender
from application.ports.webhooks import WebhookSender
from domain.mail import OutboxMessage
from domain.webhooks import ReceiverAnswer, WebhookDelivery

TRACER = "bookly-accounts"


def current_trace_context() -> str | None:
    """The traceparent of the span in progress, to be stored with what it queues; None outside one."""
    if not trace.get_current_span().get_span_context().is_valid:
        return None
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def _parent(trace_context: str) -> Context | None:
    return propagate.extract({"traceparent": trace_context}) if trace_context else None


def trace_engine(engine: AsyncEngine, provider: TracerProvider | None) -> AsyncEngine:
    """A span per statement, by the SQLAlchemy instrumentation, on this engine only."""
    if provider is not None:
        usage = metrics.get_meter(__name__).create_up_down_counter("db.client.connections.usage")
        EngineTracer(
            provider.get_tracer("opentelemetry.instrumentation.sqlalchemy"), engine.sync_engine, usage
        )
    return engine


def traced_mail_sender(inner: MailSender, provider: TracerProvider | None) -> MailSender:
    return TracedMailSender(inner, provider) if provider is not None else inner


class ClosingWebhookSender(WebhookSender, Protocol):
    """A webhook sender that holds connections, closed when the service stops."""

    async def close(self) -> None: ...


def traced_webhook_sender(
    inner: ClosingWebhookSender, provider: TracerProvider | None
) -> ClosingWebhookSender:
    return TracedWebhookSender(inner, provider) if provider is not None else inner


class OpenTelemetryTracing:
    """The application's Tracing port: work done for something queued earlier joins the trace it came from."""

    def __init__(self, provider: TracerProvider | None) -> None:
        self._tracer = provider.get_tracer(TRACER) if provider is not None else None

    @contextmanager
    def within(self, trace_context: str, name: str) -> Iterator[None]:
        if self._tracer is None:
            yield
            return
        with self._tracer.start_as_current_span(name, context=_parent(trace_context)):
            yield


class TracedMailSender:
    """A span per email handed to the mail system, in the trace of the request that queued it (there is
    no instrumentation of SMTP to make it)."""

    def __init__(self, inner: MailSender, provider: TracerProvider) -> None:
        self._inner = inner
        self._tracer = provider.get_tracer(TRACER)

    async def send(self, message: OutboxMessage) -> None:
        with self._tracer.start_as_current_span(
            "deliver email",
            context=_parent(message.trace_context),
            attributes={
                "messaging.message.id": message.message_id,
                "messaging.message.attempts": message.attempts + 1,
            },
        ):
            await self._inner.send(message)

    async def close(self) -> None:
        await self._inner.close()


class TracedWebhookSender:
    """A span per webhook delivery, in the trace of the change that made the event; the HTTPX
    instrumentation's span of the POST (and the traceparent the receiver gets) sits inside it."""

    def __init__(self, inner: ClosingWebhookSender, provider: TracerProvider) -> None:
        self._inner = inner
        self._tracer = provider.get_tracer(TRACER)

    async def send(self, url: str, secret: str, delivery: WebhookDelivery) -> ReceiverAnswer:
        with self._tracer.start_as_current_span(
            "deliver webhook",
            context=_parent(delivery.trace_context),
            attributes={
                "webhook.event_type": delivery.event_type,
                "webhook.id": f"msg_{delivery.event_id.hex}",
            },
        ):
            return await self._inner.send(url, secret, delivery)

    async def close(self) -> None:
        await self._inner.close()


class NoTracing:
    """The Tracing port with tracing off: the work runs in no span."""

    @contextmanager
    def within(self, trace_context: str, name: str) -> Iterator[None]:
        yield
