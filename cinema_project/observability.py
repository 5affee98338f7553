"""Tracing and metrics plumbing shared by every process: the OpenTelemetry SDK and the metrics servers.

Tracing is configured from the standard OTEL_* variables (OTEL_EXPORTER_OTLP_ENDPOINT,
OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER, OTEL_RESOURCE_ATTRIBUTES, ...) and is off unless an OTLP
endpoint is set (or OTEL_SDK_DISABLED=true turns it off). Each entry point calls `init_tracing()` with
its service name (cinema-web, cinema-worker, cinema-consumer) before Django loads its middleware.
Prometheus metrics are plain prometheus_client metrics; in processes that fork workers (gunicorn,
Celery prefork) PROMETHEUS_MULTIPROC_DIR switches prometheus_client to its multiprocess mode.
"""

from __future__ import annotations

import logging
import os
import threading

from opentelemetry import trace

logger = logging.getLogger(__name__)

SERVICE_WEB = "cinema-web"
SERVICE_WORKER = "cinema-worker"
SERVICE_CONSUMER = "cinema-consumer"

_lock = threading.Lock()
_provider = None  # the TracerProvider this module installed, if any
_service_name = ""  # this process's service name, for logs too when tracing is off


def tracing_configured() -> bool:
    """True when the environment asks for trace export (an OTLP endpoint is set and the SDK is not disabled)."""
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def init_tracing(service_name: str, *, span_exporter=None):
    """Install the SDK's TracerProvider for this process and instrument the libraries we use.

    Without `span_exporter`, spans go to the OTLP/HTTP exporter configured by OTEL_EXPORTER_OTLP_*;
    when no endpoint is configured nothing is installed and the API's no-op tracer stays in place.
    Tests pass an in-memory exporter. OTEL_SERVICE_NAME, when set, wins over `service_name`.
    Safe to call more than once: the first call in a process wins.
    """
    global _provider, _service_name
    with _lock:
        _service_name = _service_name or os.environ.get("OTEL_SERVICE_NAME") or service_name
        if span_exporter is None and not tracing_configured():
            return None
        if _provider is not None:
            return _provider
        from opentelemetry.sdk.resources import SERVICE_NAME, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

        resource = Resource.create({SERVICE_NAME: _service_name})
        provider = TracerProvider(resource=resource)  # the sampler comes from OTEL_TRACES_SAMPLER
        if span_exporter is None:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        else:
            # Synchronous export, so a test sees a span as soon as it ends.
            provider.add_span_processor(SimpleSpanProcessor(span_exporter))
        trace.set_tracer_provider(provider)
        _provider = provider
        _instrument_libraries()
        logger.info("tracing on for %s", resource.attributes.get(SERVICE_NAME))
        return provider


def _instrument_libraries() -> None:
    """Django requests, PostgreSQL queries (psycopg), S3 calls (botocore), Celery, Kafka, Redis."""
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.confluent_kafka import ConfluentKafkaInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    # The probes and the scrape would otherwise drown the traces of real requests.
    DjangoInstrumentor().instrument(excluded_urls="healthz,readyz,metrics")
    from django.conf import settings

    # Before OpenTelemetry's middleware: it needs the request's URI (see core.middleware.RequestUriMiddleware).
    settings.MIDDLEWARE.insert(0, "core.middleware.RequestUriMiddleware")
    PsycopgInstrumentor().instrument(enable_commenter=False)
    BotocoreInstrumentor().instrument()
    CeleryInstrumentor().instrument()
    # Replaces confluent_kafka.Producer/Consumer for code that imports them later; a client built
    # from a class imported earlier must go through instrument_kafka_producer/consumer below.
    ConfluentKafkaInstrumentor().instrument()
    RedisInstrumentor().instrument()


def instrument_kafka_producer(producer):
    """The producer wrapped so that produce() makes a span and injects its context into the headers."""
    if _provider is None:
        return producer
    from opentelemetry.instrumentation.confluent_kafka import ConfluentKafkaInstrumentor, ProxiedProducer

    if isinstance(producer, ProxiedProducer) or type(producer).__name__ == "AutoInstrumentedProducer":
        return producer
    return ConfluentKafkaInstrumentor.instrument_producer(producer)


def instrument_kafka_consumer(consumer):
    """The consumer wrapped so that poll()/consume() make spans linked to the producers' contexts."""
    if _provider is None:
        return consumer
    from opentelemetry.instrumentation.confluent_kafka import ConfluentKafkaInstrumentor, ProxiedConsumer

    if isinstance(consumer, ProxiedConsumer) or type(consumer).__name__ == "AutoInstrumentedConsumer":
        return consumer
    return ConfluentKafkaInstrumentor.instrument_consumer(consumer)


def flush_traces(timeout_millis: int = 5000) -> None:
    """Export what is buffered (before a process exits or a worker child is recycled)."""
    if _provider is not None:
        _provider.force_flush(timeout_millis)


def service_name() -> str:
    """The service name this process was started as (cinema-web, ...), or "cinema" before that."""
    return _service_name or os.environ.get("OTEL_SERVICE_NAME") or "cinema"


def current_trace_ids() -> tuple[str, str]:
    """(trace_id, span_id) of the current span as lowercase hex, or ("", "") outside any span."""
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return "", ""
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")


# --- Prometheus ----------------------------------------------------------------------------------


def multiprocess_metrics() -> bool:
    """True when prometheus_client writes this process's metrics to files shared with its siblings."""
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def metrics_registry():
    """The registry a scrape reads: the process's own, or the merge of every worker's files."""
    from prometheus_client import REGISTRY, CollectorRegistry
    from prometheus_client.multiprocess import MultiProcessCollector

    if not multiprocess_metrics():
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


def start_metrics_server(port: int, addr: str = "0.0.0.0") -> None:
    """Serve /metrics over HTTP from a process that has no web server (Celery worker, Kafka consumer)."""
    from prometheus_client import start_http_server

    start_http_server(port, addr=addr, registry=metrics_registry())
    logger.info("metrics served on %s:%s", addr, port)


def metrics_port_from_env() -> int | None:
    """METRICS_PORT for the non-web processes; None when unset (embedded mode serves no extra port)."""
    value = os.environ.get("METRICS_PORT", "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"METRICS_PORT must be a port number, not {value!r}") from None
