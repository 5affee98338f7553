"""The activity app's Kafka client: the only code that imports confluent_kafka.

Modelled on PostHog's `kafka_client/`: topic names (`topics`), one shared producer per process and
the consumers (`client`), the message envelope with its schema version (`envelope`) and the W3C
trace header (`tracing`). Services call it; nothing else talks to Kafka.
"""

from activity.kafka.client import (
    ActivityConsumer,
    KafkaClientError,
    KafkaNotConfigured,
    flush_producer,
    get_producer,
    poll_producer,
    produce,
    produce_many,
    producer_config,
    producer_failed,
    reset_producer,
)
from activity.kafka.envelope import SCHEMA_VERSION, ConsumedEvent, InvalidMessage, build_message, message_headers, parse_message
from activity.kafka.topics import activity_topic
from activity.kafka.tracing import current_traceparent, traced_from

__all__ = [
    "SCHEMA_VERSION",
    "ActivityConsumer",
    "ConsumedEvent",
    "InvalidMessage",
    "KafkaClientError",
    "KafkaNotConfigured",
    "activity_topic",
    "build_message",
    "current_traceparent",
    "flush_producer",
    "get_producer",
    "message_headers",
    "parse_message",
    "poll_producer",
    "produce",
    "produce_many",
    "producer_config",
    "producer_failed",
    "reset_producer",
    "traced_from",
]
