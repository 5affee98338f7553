#!/usr/bin/env python
"""Django's command-line utility for the online cinema."""

import os
import sys

# Commands that are processes of the product get tracing (when OTEL_EXPORTER_OTLP_ENDPOINT is set)
# under the service name operators look for; one-off commands (migrate, shell, ...) stay untraced.
TRACED_COMMANDS = {
    "runserver": "cinema-web",
    "consume_activity": "cinema-consumer",
    "run_etl": "cinema-worker",
    "load_demo": "cinema-worker",
    "generate_demo_videos": "cinema-worker",
}
# Batch commands are one trace each: a root span holds the run's queries, S3 calls and batches.
# (Not the consumer: it runs for ever, and each event continues the trace of its message.)
ROOT_SPAN_COMMANDS = {"run_etl", "load_demo", "generate_demo_videos"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cinema_project.settings")
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command in TRACED_COMMANDS:
        # Before Django loads its middleware and the libraries open connections.
        from cinema_project.observability import init_tracing

        init_tracing(TRACED_COMMANDS[command])
    from django.core.management import execute_from_command_line

    if command in ROOT_SPAN_COMMANDS:
        from opentelemetry import trace

        with trace.get_tracer("cinema.manage").start_as_current_span(f"manage.py {command}", attributes={"cli.args": sys.argv[2:]}):
            execute_from_command_line(sys.argv)
    else:
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
