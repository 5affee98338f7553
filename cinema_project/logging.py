"""Log formatting: JSON lines carrying trace_id, span_id and the request id, or readable text on a terminal.

settings.LOGGING picks the formatter from LOG_FORMAT ("json", "text", or "auto": text when the
process is not in production and writes to a terminal, JSON otherwise).
"""

from __future__ import annotations

import contextvars
import logging
import os
import sys

from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

from cinema_project.observability import current_trace_ids, service_name

# Set by RequestIdMiddleware for the duration of a request; read by every log line made meanwhile.
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def resolve_log_format(requested: str, *, production: bool, stream=None) -> str:
    """"json" or "text" for LOG_FORMAT; "auto" means text only for a person at a terminal."""
    requested = (requested or "auto").strip().lower()
    if requested not in {"json", "text", "auto"}:
        raise ValueError(f"LOG_FORMAT must be json, text or auto, not {requested!r}")
    if requested != "auto":
        return requested
    stream = stream if stream is not None else sys.stdout
    is_terminal = hasattr(stream, "isatty") and stream.isatty()
    return "text" if is_terminal and not production else "json"


def _context_fields() -> dict[str, str]:
    trace_id, span_id = current_trace_ids()
    return {"trace_id": trace_id, "span_id": span_id, "request_id": request_id_var.get()}


class JsonFormatter(_BaseJsonFormatter):
    """One JSON object per line: time, level, logger, message, the trace and request ids, and extras."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        super().__init__("%(levelname)s %(name)s %(message)s", *args, **kwargs)

    def add_fields(self, log_record, record, message_dict):
        super().add_fields(log_record, record, message_dict)
        for key, value in _context_fields().items():
            # An id passed explicitly (a Celery task's, a consumed message's) wins over the context.
            log_record.setdefault(key, value)
        log_record["service"] = service_name()
        log_record["pid"] = os.getpid()  # gunicorn/celery children differ from the process that configured logging


class TextFormatter(logging.Formatter):
    """A readable line for the terminal, with the request id and a short trace id when there are any."""

    def __init__(self, *args, **kwargs):
        super().__init__("%(asctime)s %(levelname)-7s %(name)s%(ids)s: %(message)s", "%H:%M:%S")

    def format(self, record):
        fields = _context_fields()
        ids = []
        if fields["request_id"]:
            ids.append(f"req={fields['request_id'][:12]}")
        if fields["trace_id"]:
            ids.append(f"trace={fields['trace_id'][:12]}")
        record.ids = f" [{' '.join(ids)}]" if ids else ""
        return super().format(record)
