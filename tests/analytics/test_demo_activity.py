"""`manage.py load_demo_activity`: a month of viewing through ingest, the outbox, the relay and Kafka
to the analytics (the consumer's hook, record_events), sent once."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from activity.models import OutboxEvent
from activity.services import relay_outbox
from analytics.models import DemoActivityLoad, SessionSummary
from analytics.selectors import qoe_summary, retention, sessions
from analytics.services import record_events
from catalog.models import Movie
from tests.activity.conftest import read_topic
from tests.factories import MovieFactory

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("kafka")]


def test_demo_history_reaches_the_analytics_through_the_pipeline(kafka_bootstrap, kafka_topic):
    movies = [MovieFactory() for _ in range(4)]
    MovieFactory(is_published=False)
    out = StringIO()
    call_command("load_demo_activity", "--sessions", "150", "--wait", "0", stdout=out)
    assert "sent" in out.getvalue() and "rejected" not in out.getvalue()
    total = OutboxEvent.objects.count()
    assert total > 1000
    relay_outbox()
    assert not OutboxEvent.objects.filter(sent_at__isnull=True).exists()

    messages = read_topic(kafka_bootstrap, kafka_topic, expect=total, timeout=60)
    record_events([json.loads(m.value()) for m in messages])

    summaries = sessions(movies=Movie.objects.all(), days=30)
    marker = DemoActivityLoad.objects.get()
    assert summaries.count() == marker.sessions > 100
    assert {s.movie_id for s in summaries} <= {m.pk for m in movies}
    days = set(summaries.values_list("day", flat=True))
    assert len(days) > 10 and min(days) >= timezone.now().date() - timedelta(days=29)
    figures = qoe_summary(summaries)
    assert 0.3 < figures["startup_time_p50"] < 3 and figures["startup_time_p95"] > figures["startup_time_p50"]
    assert 0 < figures["startup_failure_percentage"] < 15
    assert 0 < figures["rebuffer_percentage"] < 5 and figures["stall_seconds"] > 0
    assert 0 < figures["completion_rate"] < 80
    curve = retention(summaries.filter(movie=movies[0]))["points"]
    assert curve[0]["watching"] > curve[10]["watching"] > 0  # viewers drop off

    # Runs once.
    again = StringIO()
    call_command("load_demo_activity", stdout=again)
    assert "already loaded" in again.getvalue()
    assert OutboxEvent.objects.count() == total


def test_a_history_loaded_before_kafka_was_up_is_relayed_by_the_next_run(kafka_bootstrap, kafka_topic, settings):
    MovieFactory()
    settings.KAFKA_BOOTSTRAP_SERVERS = ""  # make's demo-data step: no broker yet
    out = StringIO()
    call_command("load_demo_activity", "--sessions", "30", stdout=out)
    assert "wait in the outbox" in out.getvalue()
    assert OutboxEvent.objects.filter(sent_at__isnull=True).exists()

    settings.KAFKA_BOOTSTRAP_SERVERS = kafka_bootstrap  # the server's start: the broker is up
    again = StringIO()
    call_command("load_demo_activity", "--wait", "5", stdout=again)
    assert "already loaded" in again.getvalue()
    assert not OutboxEvent.objects.filter(sent_at__isnull=True).exists()
