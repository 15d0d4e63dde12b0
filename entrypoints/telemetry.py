"""OpenTelemetry traces, exported by OTLP only when OTEL_EXPORTER_OTLP_ENDPOINT is set.

A span per request (the FastAPI instrumentation), per database statement (SQLAlchemy's), per email and
webhook delivery; a delivery is in the trace of the request that queued it, though it runs later and in
another process. Off, nothing is instrumented."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opentelemetry.context import Context
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_ON,
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, SpanKind
from opentelemetry.util.types import Attributes

from entrypoints.http.log_masking import mask
from entrypoints.settings import Settings


class NoLoneStatements(Sampler):
    """Starts a trace for a request or a delivery, not for a statement on its own: the workers poll the
    database every second, and a trace per poll would bury the ones that matter."""

    def __init__(self, ratio: float = 1.0) -> None:
        self._roots = ALWAYS_ON if ratio >= 1 else TraceIdRatioBased(ratio)

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: Any = None,
    ) -> SamplingResult:
        if kind is SpanKind.CLIENT:
            return SamplingResult(Decision.DROP)
        return self._roots.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        return "NoLoneStatements"


def tracer_provider(
    *, exporter: Any = None, service_name: str = "bookly-accounts", ratio: float = 1.0
) -> TracerProvider:
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: service_name}),
        sampler=ParentBased(root=NoLoneStatements(ratio)),
    )
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def provider_from(settings: Settings) -> TracerProvider | None:
    if not settings.OTEL_EXPORTER_OTLP_ENDPOINT:
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    # The variable names the collector, as the SDK reads it; the traces go to its /v1/traces.
    endpoint = settings.OTEL_EXPORTER_OTLP_ENDPOINT.rstrip("/") + "/v1/traces"
    return tracer_provider(
        exporter=OTLPSpanExporter(endpoint=endpoint),
        service_name=settings.OTEL_SERVICE_NAME,
        ratio=settings.OTEL_TRACES_SAMPLE_RATIO,
    )


def instrument_app(app: Any, provider: TracerProvider | None) -> None:
    if provider is not None:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        # Probes and scrapes come every few seconds and tell nothing of a user's request.
        FastAPIInstrumentor.instrument_app(
            app,
            tracer_provider=provider,
            excluded_urls="health/.*,metrics",
            exclude_spans=["receive", "send"],
            server_request_hook=_mask_path,
        )


_PATH_ATTRIBUTES = ("url.path", "http.target", "http.url", "url.full")


def _mask_path(span: Any, scope: dict[str, Any]) -> None:
    """An emailed link's path holds its token: a trace keeps it masked, as a log line does."""
    if span is None or not span.is_recording():
        return
    attributes = getattr(span, "attributes", None) or {}
    for name in _PATH_ATTRIBUTES:
        value = attributes.get(name)
        if isinstance(value, str) and mask(value) != value:
            span.set_attribute(name, mask(value))
