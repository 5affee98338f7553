"""Fixtures for the observability tests: the SDK's in-memory span exporter, installed for the run.

Tracing is installed when this conftest loads (pytest_configure), before any test opens a database
connection, because the psycopg instrumentation only traces connections opened after it. The
exporter keeps spans only while a test holds the `spans` fixture, so the rest of the suite, which
runs traced too, does not pile spans up in memory.
"""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace.export import SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


class GatedInMemorySpanExporter(InMemorySpanExporter):
    recording = False

    def export(self, spans):
        if not self.recording:
            return SpanExportResult.SUCCESS
        return super().export(spans)


EXPORTER = GatedInMemorySpanExporter()


def pytest_configure(config):
    from cinema_project.observability import SERVICE_WEB, init_tracing

    init_tracing(SERVICE_WEB, span_exporter=EXPORTER)


@pytest.fixture
def spans():
    """The in-memory exporter, emptied, recording the spans that end during the test."""
    EXPORTER.clear()
    EXPORTER.recording = True
    yield EXPORTER
    EXPORTER.recording = False
    EXPORTER.clear()
