"""`manage.py consume_activity`: the Kafka consumer group that builds the playback statistics."""

from __future__ import annotations

import json
import logging
import signal
import time

from confluent_kafka import KafkaError, KafkaException
from django.core.management.base import BaseCommand, CommandError

from activity import kafka
from activity.services.statistics import ConsumedEvent, apply_consumed_events

logger = logging.getLogger(__name__)

REQUIRED_FIELDS = {"event_id", "type", "movie_id", "session_id", "viewer_id", "position", "occurred_at", "received_at"}


def _header(message, name: str) -> str:
    for key, value in message.headers() or []:
        if key == name and value is not None:
            return value.decode(errors="replace")
    return ""


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
        try:
            consumer = kafka.build_consumer(
                group_id=group,
                **{"session.timeout.ms": int(session_timeout * 1000), "heartbeat.interval.ms": max(100, int(session_timeout * 1000 / 3))},
            )
        except kafka.KafkaNotConfigured as exc:
            raise CommandError(f"{exc}: point it at the Kafka broker.") from exc
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
        consumer.subscribe([kafka.activity_topic()])
        self.stdout.write(f"consuming {kafka.activity_topic()} as group {group or 'default'}")
        total, last_message = 0, time.monotonic()
        try:
            while not stopping:
                messages = consumer.consume(num_messages=batch_size, timeout=1.0)
                events = []
                for message in messages:
                    if message.error():
                        if message.error().code() != KafkaError._PARTITION_EOF:
                            logger.warning("kafka consumer: %s", message.error())
                        continue
                    try:
                        payload = json.loads(message.value())
                        if not isinstance(payload, dict) or not REQUIRED_FIELDS <= payload.keys():
                            raise ValueError("not an activity event v1 message")
                        events.append(ConsumedEvent(payload, _header(message, "traceparent")))
                    except (ValueError, TypeError) as exc:
                        # A message we cannot read would block the partition forever: log and move on.
                        logger.error("skipping unreadable message at %s[%s]@%s: %s", message.topic(), message.partition(), message.offset(), exc)
                if messages:
                    apply_consumed_events(events)
                    try:
                        consumer.commit(asynchronous=False)
                    except KafkaException as exc:
                        # Uncommitted offsets mean a redelivery, which the event id dedupe absorbs.
                        logger.warning("kafka consumer: offset commit failed: %s", exc)
                    total += len(messages)
                    last_message = time.monotonic()
                if max_messages and total >= max_messages:
                    break
                if idle_exit and time.monotonic() - last_message > idle_exit:
                    break
        finally:
            consumer.close()
        self.stdout.write(f"consumed {total} message(s)")
