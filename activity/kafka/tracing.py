"""The W3C trace context across Kafka: injected at ingest (stored with the outbox row), put in the
message header by the relay, extracted by the consumer."""

from __future__ import annotations

import contextlib

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace

TRACE_HEADER = "traceparent"


def current_traceparent() -> str:
    """The W3C traceparent of the current span ("" without an active trace or SDK): the inject point."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get(TRACE_HEADER, "")


def context_of(traceparent: str):
    """The OpenTelemetry context a stored or received traceparent names (None when there is none)."""
    return propagate.extract({TRACE_HEADER: traceparent}) if traceparent else None


def tracing_on() -> bool:
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


@contextlib.contextmanager
def traced_from(traceparent: str, *, enabled: bool):
    """Run the block in the stored trace context, so an instrumented producer's send span becomes a
    child of the ingest request (and its context replaces the header)."""
    if not (enabled and traceparent):
        yield
        return
    token = otel_context.attach(propagate.extract({TRACE_HEADER: traceparent}))
    try:
        yield
    finally:
        otel_context.detach(token)
