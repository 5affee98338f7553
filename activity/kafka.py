"""The one place that talks to Kafka: topic names, the shared producer, consumers.

One idempotent producer per process (acks=all), built from settings on first use, flushed at
exit; `reset_producer()` drops it (tests pointing at another broker, or after a fatal error such
as a broker that lost the producer id).
"""

from __future__ import annotations

import atexit
import logging
import threading

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from django.conf import settings

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1


def activity_topic() -> str:
    """`cinema.activity.v1` unless KAFKA_ACTIVITY_TOPIC says otherwise."""
    return settings.KAFKA_ACTIVITY_TOPIC


class KafkaNotConfigured(RuntimeError):
    """KAFKA_BOOTSTRAP_SERVERS is empty: there is no broker to send to."""


_lock = threading.Lock()
_producer: Producer | None = None
_fatal_error: KafkaError | None = None


def producer_config() -> dict:
    if not settings.KAFKA_BOOTSTRAP_SERVERS:
        raise KafkaNotConfigured("KAFKA_BOOTSTRAP_SERVERS is not set")
    return {
        "bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS,
        "client.id": "cinema-activity-relay",
        # No duplicates or reordering from the producer's own retries.
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": settings.KAFKA_LINGER_MS,
        "compression.type": "lz4",
        # Every message gets a delivery report within this time, so the relay never leaves a
        # message queued in librdkafka while its row is handed to the next run.
        "message.timeout.ms": settings.KAFKA_MESSAGE_TIMEOUT_MS,
        "socket.timeout.ms": min(10_000, settings.KAFKA_MESSAGE_TIMEOUT_MS),
        "error_cb": _on_error,
    }


def _on_error(error: KafkaError) -> None:
    global _fatal_error
    if error.fatal():
        _fatal_error = error
        logger.error("kafka producer fatal error: %s", error)
    else:
        logger.warning("kafka: %s", error)


def get_producer() -> Producer:
    """The process's producer (created on first use)."""
    global _producer
    with _lock:
        if _producer is None:
            from cinema_project.observability import instrument_kafka_producer

            _producer = instrument_kafka_producer(Producer(producer_config()))
        return _producer


def producer_failed() -> KafkaError | None:
    """The fatal error the producer reported, if any (it must then be reset)."""
    return _fatal_error


def reset_producer(*, flush_timeout: float = 0) -> None:
    """Forget the producer (after a fatal error, or when tests point at another broker)."""
    global _producer, _fatal_error
    with _lock:
        producer, _producer, _fatal_error = _producer, None, None
    if producer is not None and flush_timeout:
        try:
            producer.flush(flush_timeout)
        except KafkaException as exc:
            logger.warning("kafka: flush of the old producer failed: %s", exc)


def flush_producer(timeout: float) -> int:
    """Wait for delivery reports; returns how many messages are still undelivered."""
    if _producer is None:
        return 0
    return _producer.flush(timeout)


@atexit.register
def _flush_on_shutdown() -> None:
    if _producer is not None:
        try:
            left = _producer.flush(5)
        except KafkaException:
            return
        if left:
            logger.warning("kafka: %d messages undelivered at shutdown (their outbox rows stay unsent)", left)


def build_consumer(*, group_id: str | None = None, **overrides) -> Consumer:
    """A consumer of the activity topic's group; offsets are committed by the caller only."""
    if not settings.KAFKA_BOOTSTRAP_SERVERS:
        raise KafkaNotConfigured("KAFKA_BOOTSTRAP_SERVERS is not set")
    from cinema_project.observability import instrument_kafka_consumer

    config = {
        "bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS,
        "group.id": group_id or settings.KAFKA_CONSUMER_GROUP,
        "client.id": "cinema-activity-consumer",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        **overrides,
    }
    return instrument_kafka_consumer(Consumer(config))
