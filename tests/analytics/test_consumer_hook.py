"""The analytics summaries are fed by the real consumer: the demo history goes ingest -> outbox ->
relay -> Kafka -> `consume_activity`, which applies each batch to the statistics and the session
summaries in one transaction (settings.ACTIVITY_CONSUMER_SINKS)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from activity.models import MovieDailyStats, OutboxEvent
from activity.services import relay_outbox
from analytics.models import SessionSummary
from tests.factories import MovieFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_the_demo_history_reaches_the_summaries_through_the_consumer(kafka_bootstrap, kafka_topic):
    for _ in range(8):
        MovieFactory()
    call_command("load_demo_activity", "--sessions", "300", "--wait", "0", stdout=StringIO())
    relay_outbox(time_budget=60)
    assert OutboxEvent.objects.filter(sent_at__isnull=True).count() == 0

    call_command("consume_activity", "--idle-exit", "15", "--session-timeout", "3", "--group", "analytics-hook", stdout=StringIO())

    assert SessionSummary.objects.count() > 250
    assert MovieDailyStats.objects.exists()
