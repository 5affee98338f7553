"""`manage.py consume_activity`: the Kafka consumer group that builds the playback statistics."""

from __future__ import annotations

import signal

from django.core.management.base import BaseCommand, CommandError

from activity import kafka
from activity.services.consumer import consume_activity


class Command(BaseCommand):
    help = "Consume cinema.activity.v1 and build per-movie statistics (offsets committed after the database write)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="Messages per database transaction.")
        parser.add_argument("--group", default=None, help="Consumer group (default KAFKA_CONSUMER_GROUP).")
        parser.add_argument(
            "--session-timeout", type=float, default=10.0,
            help="Seconds before the group gives a silent consumer's partitions to another (also paces joining).",
        )
        parser.add_argument("--idle-exit", type=float, default=0, help="Exit after this many seconds without messages (0: never).")
        parser.add_argument("--max-messages", type=int, default=0, help="Exit after this many messages (0: never).")

    def handle(self, *args, batch_size, group, session_timeout, idle_exit, max_messages, **options):
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        from cinema_project.observability import metrics_port_from_env, start_metrics_server

        port = metrics_port_from_env()
        if port is not None:
            start_metrics_server(port)

        def started(consumer: kafka.ActivityConsumer) -> None:
            self.stdout.write(f"consuming {consumer.topic} as group {group or 'default'}")

        try:
            report = consume_activity(
                group=group, batch_size=batch_size, session_timeout=session_timeout, idle_exit=idle_exit,
                max_messages=max_messages, should_stop=lambda: stopping, on_start=started,
            )
        except kafka.KafkaNotConfigured as exc:
            raise CommandError(f"{exc}: point it at the Kafka broker.") from exc
        self.stdout.write(f"consumed {report.messages} message(s)")
