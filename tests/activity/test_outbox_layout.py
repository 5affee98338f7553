"""The outbox laid out for cheap marking: the relay's queue (OutboxUnsent) lists exactly the unsent
rows, marking covers only delivered ids and records them as runs (OutboxSent) without writing the
outbox rows themselves, so the relay's database cost per event stays small."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from activity.models import OutboxEvent, OutboxSent, OutboxUnsent
from activity.services import ingest_events, relay_outbox
from activity.services.relay import _fetch, _mark_sent
from tests.activity.conftest import playback
from tests.factories import MovieFactory

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("kafka")]


def _queued() -> set[int]:
    return set(OutboxUnsent.objects.values_list("outbox_id", flat=True))


def _unsent() -> set[int]:
    return set(OutboxEvent.objects.filter(sent_at__isnull=True).values_list("id", flat=True))


def test_the_queue_lists_exactly_the_unsent_rows(api_client, kafka_topic):
    movie = MovieFactory()
    first = playback(movie.pk, seconds=30)
    ingest_events(events=first)
    assert _queued() == _unsent() == set(OutboxEvent.objects.values_list("id", flat=True))
    assert relay_outbox().sent == len(first)
    assert _queued() == _unsent() == set()

    second = playback(movie.pk, seconds=20)
    ingest_events(events=second)
    # A batch posted again: its events are duplicates, stored and queued once.
    body = json.dumps({"events": second})
    assert api_client.post("/api/v1/activity/events", data=body, content_type="application/json").json()["duplicates"] == len(second)
    assert len(_queued()) == len(second)
    assert _queued() == _unsent()


def test_marking_covers_only_the_delivered_ids(settings):
    settings.KAFKA_BOOTSTRAP_SERVERS = ""  # ingest only: this test marks by hand
    movie = MovieFactory()
    ingest_events(events=playback(movie.pk, seconds=40))
    ids = sorted(OutboxEvent.objects.values_list("id", flat=True))
    delivered = ids[:2] + ids[3:]  # ids[2]: say, a row committed after the relay read its batch
    _mark_sent(delivered)
    assert _unsent() == _queued() == {ids[2]}
    marked = OutboxEvent.objects.filter(id__in=delivered)
    assert all(row.sent_at is not None and row.attempts == 0 for row in marked)
    assert OutboxEvent.objects.get(id=ids[2]).sent_at is None
    # Two runs around the skipped id, one moment.
    runs = sorted((run.ids.lower, run.ids.upper - 1) for run in OutboxSent.objects.all())
    assert runs == [(ids[0], ids[1]), (ids[3], ids[-1])]
    assert len({run.sent_at for run in OutboxSent.objects.all()}) == 1
    # The next read starts from the queue: the skipped row, and only it.
    assert [row[0] for row in _fetch(after=0, limit=100)] == [ids[2]]


def test_marking_an_id_already_marked_records_only_the_rest(settings):
    """A relay whose lock died with its connection may mark rows another relay marked meanwhile: the
    runs recorded are those of the ids still queued, so no id is in two runs and nothing fails."""
    settings.KAFKA_BOOTSTRAP_SERVERS = ""
    movie = MovieFactory()
    ingest_events(events=playback(movie.pk, seconds=40))
    ids = sorted(OutboxEvent.objects.values_list("id", flat=True))
    _mark_sent([ids[2]])
    _mark_sent(ids)
    runs = sorted((run.ids.lower, run.ids.upper - 1) for run in OutboxSent.objects.all())
    assert runs == [(ids[0], ids[1]), (ids[2], ids[2]), (ids[3], ids[-1])]
    assert _queued() == _unsent() == set()


def test_sending_writes_no_outbox_row(kafka_topic):
    movie = MovieFactory()
    events = [e for i in range(4) for e in playback(movie.pk, seconds=60, step=2, viewer_id=f"v{i}")]
    ingest_events(events=events)
    with connection.cursor() as cursor:

        def updates() -> int:
            # This transaction's own count (the test runs in one).
            cursor.execute("SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'activity_outboxevent'")
            return cursor.fetchone()[0]

        before = updates()
        assert relay_outbox().sent == len(events)
        assert updates() == before
    assert _unsent() == set() and OutboxSent.objects.count() >= 1
    # No index of the outbox covers the columns a failed send sets.
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'activity_outboxevent'")
        definitions = [row[0] for row in cursor.fetchall()]
    assert not [d for d in definitions if any(column in d for column in ("attempts", "last_error"))]


def test_nudges_are_coalesced_and_the_last_one_follows_the_last_commit(monkeypatch):
    """Every commit asks for a nudge; a process sends at most one per NUDGE_INTERVAL, and one always
    leaves after the latest request (so that commit's rows are covered by a relay run)."""
    import time
    from types import SimpleNamespace

    import activity.services.outbox as outbox

    sent: list[float] = []
    monkeypatch.setattr(outbox, "current_app", SimpleNamespace(conf=SimpleNamespace(task_always_eager=False)))
    monkeypatch.setattr(outbox, "_send_nudge", lambda: sent.append(time.monotonic()))
    time.sleep(outbox.NUDGE_INTERVAL * 2)  # a sender left sleeping by an earlier test has woken
    started = time.monotonic()
    last_request = started
    while time.monotonic() - started < 0.6:
        outbox.nudge_relay()  # what each commit's on_commit hook does
        last_request = time.monotonic()
        time.sleep(0.002)
    time.sleep(outbox.NUDGE_INTERVAL * 3)
    during = [moment for moment in sent if moment >= started]
    assert 1 <= len(during) <= 0.6 / outbox.NUDGE_INTERVAL + 2, len(during)  # ~250 requests
    assert during[-1] >= last_request
