"""The activity tests' fixtures (a Kafka topic per test, clean throttles and producer) for these too."""

from tests.activity.conftest import _clean_activity_state, kafka_topic  # noqa: F401
