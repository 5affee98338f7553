#!/bin/bash
# Creates the activity topic with its partitions (compose service `kafka-init`); safe to run again.
# The partition count caps how many `consumer` containers share the work.
set -euo pipefail
/opt/kafka/bin/kafka-topics.sh --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" \
  --create --if-not-exists \
  --topic "$KAFKA_ACTIVITY_TOPIC" \
  --partitions "$KAFKA_ACTIVITY_PARTITIONS" \
  --replication-factor 1 \
  --config retention.ms=604800000
/opt/kafka/bin/kafka-topics.sh --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" --describe --topic "$KAFKA_ACTIVITY_TOPIC"
