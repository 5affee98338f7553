"""The process's Kafka connections: one shared idempotent producer, built from settings on first use
and flushed at exit, and the consumers of the activity topic. `reset_producer()` drops the producer
(tests pointing at another broker, or after a fatal error such as a broker that lost the producer id).
"""

from __future__ import annotations

import atexit
import functools
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from django.conf import settings

from activity.kafka.envelope import ConsumedEvent, InvalidMessage, message_headers, parse_message
from activity.kafka.topics import activity_topic
from activity.kafka.tracing import TRACE_HEADER, traced_from, tracing_on

logger = logging.getLogger(__name__)


class KafkaNotConfigured(RuntimeError):
    """KAFKA_BOOTSTRAP_SERVERS is empty: there is no broker to send to."""


class KafkaClientError(RuntimeError):
    """The Kafka client failed (the producer or consumer reported an error)."""


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


def warm_producer(*, timeout: float = 10.0) -> threading.Thread | None:
    """Connect the process's producer in the background (a worker process starting): the broker
    connection, the idempotent producer's id and the activity topic's metadata are then ready before
    the first relay instead of costing its rows most of a second. None without a broker configured."""
    if not settings.KAFKA_BOOTSTRAP_SERVERS:
        return None

    def connect() -> None:
        try:
            producer = get_producer()
            # With tracing on it is OpenTelemetry's proxy, which forwards produce/poll/flush/purge only.
            unwrapped = producer.original_producer() if hasattr(producer, "original_producer") else producer
            unwrapped.list_topics(activity_topic(), timeout=timeout)
        except KafkaException as exc:  # the first relay connects (and reports) as it would have
            logger.warning("kafka producer could not connect ahead of the first relay: %s", exc)

    thread = threading.Thread(target=connect, name="kafka-producer-warm-up", daemon=True)
    thread.start()
    return thread


def producer_failed() -> str | None:
    """The fatal error the producer reported, if any (it must then be reset)."""
    return str(_fatal_error) if _fatal_error is not None else None


def produce(*, topic: str, value: bytes, key: bytes, headers: dict[str, str], on_delivery: Callable[[str | None], None]) -> None:
    """Queue one message; `on_delivery(None)` once Kafka confirmed it, `on_delivery("error text")` if not.

    Waits (serving delivery reports) while librdkafka's local queue is full.
    """
    producer = get_producer()

    def report(err, _msg):
        on_delivery(None if err is None else f"{err.name()}: {err.str()}"[:500])

    while True:
        try:
            producer.produce(topic, value=value, key=key, headers=headers, on_delivery=report)
            return
        except BufferError:
            producer.poll(0.05)
        except KafkaException as exc:
            raise KafkaClientError(str(exc)) from exc


def produce_many(
    *,
    topic: str,
    records: Iterable[tuple[Any, str, str, str, str]],
    on_delivered: Callable[[Any], None],
    on_failed: Callable[[Any, str], None],
) -> int:
    """Queue (token, key, value, event_type, traceparent) records (key and value as text, sent as
    UTF-8); `on_delivered(token)` once Kafka confirmed one, `on_failed(token, "error text")` if not.
    Returns how many were queued.

    The relay's hot loop, kept to one producer call per record: the headers of records without a
    trace context are shared per event type, the delivery callback is one partial per record, and the
    stored trace context is attached only when an OpenTelemetry SDK is active (the instrumented
    producer's send span then continues it).
    """
    producer = get_producer()
    send = producer.produce
    tracing = tracing_on()
    shared_headers: dict[str, dict[str, str]] = {}
    partial = functools.partial

    def report(token, err, _msg) -> None:
        if err is None:
            on_delivered(token)
        else:
            on_failed(token, f"{err.name()}: {err.str()}"[:500])

    def queue(value, key, headers, callback) -> None:
        while True:
            try:
                send(topic, value=value, key=key, on_delivery=callback, headers=headers)
                return
            except BufferError:
                producer.poll(0.05)  # librdkafka's local queue is full: let delivery reports drain it

    count = 0
    try:
        for token, key, value, event_type, traceparent in records:
            if traceparent or tracing:  # an instrumented producer writes into the headers: its own dict
                headers = message_headers(event_type=event_type, traceparent=traceparent)
            else:
                headers = shared_headers.get(event_type)
                if headers is None:
                    headers = shared_headers[event_type] = message_headers(event_type=event_type, traceparent="")
            callback = partial(report, token)
            if tracing:
                with traced_from(traceparent, enabled=True):
                    queue(value, key, headers, callback)
            else:
                try:
                    send(topic, value, key, on_delivery=callback, headers=headers)
                except BufferError:
                    queue(value, key, headers, callback)
            count += 1
            if not count & 1023:
                producer.poll(0)  # run delivery callbacks as we go
    except KafkaException as exc:
        raise KafkaClientError(str(exc)) from exc
    return count


def poll_producer(timeout: float = 0) -> None:
    """Serve delivery reports that are ready (librdkafka runs callbacks only in poll/flush)."""
    if _producer is not None:
        _producer.poll(timeout)


def flush_producer(timeout: float) -> int:
    """Wait for delivery reports; returns how many messages are still undelivered."""
    if _producer is None:
        return 0
    try:
        return _producer.flush(timeout)
    except KafkaException as exc:
        raise KafkaClientError(str(exc)) from exc


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


@atexit.register
def _flush_on_shutdown() -> None:
    if _producer is not None:
        try:
            left = _producer.flush(5)
        except KafkaException:
            return
        if left:
            logger.warning("kafka: %d messages undelivered at shutdown (their outbox rows stay unsent)", left)


@dataclass
class ConsumedBatch:
    events: list[ConsumedEvent]
    messages: int  # every message read, the unreadable ones included


class ActivityConsumer:
    """A member of the activity topic's consumer group; offsets are committed by `commit()` only."""

    def __init__(self, *, group_id: str | None = None, session_timeout: float = 10.0):
        if not settings.KAFKA_BOOTSTRAP_SERVERS:
            raise KafkaNotConfigured("KAFKA_BOOTSTRAP_SERVERS is not set")
        from cinema_project.observability import instrument_kafka_consumer

        self.group_id = group_id or settings.KAFKA_CONSUMER_GROUP
        self.topic = activity_topic()
        timeout_ms = int(session_timeout * 1000)
        self._consumer = instrument_kafka_consumer(
            Consumer(
                {
                    "bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS,
                    "group.id": self.group_id,
                    "client.id": "cinema-activity-consumer",
                    "enable.auto.commit": False,
                    "auto.offset.reset": "earliest",
                    "session.timeout.ms": timeout_ms,
                    "heartbeat.interval.ms": max(100, timeout_ms // 3),
                }
            )
        )
        self.assigned: set[int] = set()  # the partitions this member reads now (rebalances change it)
        self._consumer.subscribe([self.topic], on_assign=self._on_assign, on_revoke=self._on_revoke)

    def _on_assign(self, _consumer, partitions) -> None:
        self.assigned |= {p.partition for p in partitions}

    def _on_revoke(self, _consumer, partitions) -> None:
        self.assigned -= {p.partition for p in partitions}

    def read(self, *, max_messages: int, timeout: float) -> ConsumedBatch:
        """Up to `max_messages` messages; unreadable ones are logged and skipped (a message we cannot
        read would block its partition forever)."""
        messages = self._consumer.consume(num_messages=max_messages, timeout=timeout)
        events = []
        for message in messages:
            error = message.error()
            if error:
                if error.code() != KafkaError._PARTITION_EOF:
                    logger.warning("kafka consumer: %s", error)
                continue
            try:
                events.append(parse_message(message.value(), traceparent=_header(message, TRACE_HEADER)))
            except InvalidMessage as exc:
                logger.error("skipping unreadable message at %s[%s]@%s: %s", message.topic(), message.partition(), message.offset(), exc)
        return ConsumedBatch(events, len(messages))

    def commit(self) -> None:
        try:
            self._consumer.commit(asynchronous=False)
        except KafkaException as exc:
            raise KafkaClientError(str(exc)) from exc

    def close(self) -> None:
        self._consumer.close()


def _header(message, name: str) -> str:
    for key, value in message.headers() or []:
        if key == name and value is not None:
            return value.decode(errors="replace")
    return ""
