"""The log format choice (readable text only for a person at a terminal outside production) and the
text formatter's ids."""

from __future__ import annotations

import io
import logging

import pytest

from cinema_project.logging import TextFormatter, request_id_var, resolve_log_format


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_auto_is_text_only_on_a_terminal_outside_production():
    assert resolve_log_format("auto", production=False, stream=Terminal()) == "text"
    assert resolve_log_format("auto", production=False, stream=io.StringIO()) == "json"
    assert resolve_log_format("auto", production=True, stream=Terminal()) == "json"
    assert resolve_log_format("", production=False, stream=Terminal()) == "text"
    assert resolve_log_format("JSON", production=False, stream=Terminal()) == "json"
    assert resolve_log_format("text", production=True, stream=io.StringIO()) == "text"


def test_unknown_format_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="json, text or auto"):
        resolve_log_format("xml", production=False)


def test_text_lines_carry_the_request_and_trace_ids(spans):
    from opentelemetry import trace

    record = logging.LogRecord("cinema.test", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    assert TextFormatter().format(record).endswith("cinema.test: hello world")
    token = request_id_var.set("req-123456789abcdef")
    try:
        with trace.get_tracer("tests").start_as_current_span("work") as span:
            line = TextFormatter().format(record)
            trace_id = format(span.get_span_context().trace_id, "032x")
    finally:
        request_id_var.reset(token)
    assert f"[req=req-12345678 trace={trace_id[:12]}]: hello world" in line
