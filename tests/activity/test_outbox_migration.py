"""Migration 0004 turns each outbox row's `sent_at` into runs of ids (OutboxSent) and back."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from activity.models import OutboxEvent, OutboxSent, OutboxUnsent

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("activity", "0003_outbox_unsent_queue")]
AFTER = [("activity", "0004_outbox_sent_runs")]
T1 = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
T2 = T1 + timedelta(seconds=3)


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _insert_old_rows() -> None:
    # id: sent_at, attempts (a successful send counted as one attempt in 0003).
    rows = {1: (T1, 1), 2: (T1, 1), 3: (T2, 2), 4: (None, 1), 5: (T1, 1), 6: (T2, 1), 7: (T2, 1)}
    with connection.cursor() as cursor:
        for row_id, (sent_at, attempts) in rows.items():
            cursor.execute(
                "INSERT INTO activity_outboxevent (id, event_id, session_id, event_type, message, traceparent, created_at, sent_at, attempts, last_error) "
                "VALUES (%s, %s, %s, 'play', '{}', '', %s, %s, %s, '')",
                [row_id, uuid.uuid4(), uuid.uuid4(), T1 - timedelta(seconds=1), sent_at, attempts],
            )
        cursor.execute("INSERT INTO activity_outboxunsent (outbox_id) VALUES (4)")


def test_sent_at_becomes_runs_of_ids_and_back():
    _migrate(BEFORE)
    try:
        _insert_old_rows()
        _migrate(AFTER)
        runs = sorted((run.ids.lower, run.ids.upper - 1, run.sent_at) for run in OutboxSent.objects.all())
        # 1-2 at T1; 3 at T2; 4 unsent; 5 at T1; 6-7 at T2 (3 and 6 share a moment, not a run).
        assert runs == [(1, 2, T1), (3, 3, T2), (5, 5, T1), (6, 7, T2)]
        sent = dict(OutboxEvent.objects.values_list("id", "sent_at"))
        assert sent == {1: T1, 2: T1, 3: T2, 4: None, 5: T1, 6: T2, 7: T2}
        assert dict(OutboxEvent.objects.values_list("id", "attempts")) == {1: 0, 2: 0, 3: 1, 4: 1, 5: 0, 6: 0, 7: 0}
        assert list(OutboxUnsent.objects.values_list("outbox_id", flat=True)) == [4]

        _migrate(BEFORE)
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, sent_at, attempts FROM activity_outboxevent ORDER BY id")
            assert cursor.fetchall() == [(1, T1, 1), (2, T1, 1), (3, T2, 2), (4, None, 1), (5, T1, 1), (6, T2, 1), (7, T2, 1)]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE activity_outboxevent, activity_outboxunsent")
        _migrate([("activity", node[1]) for node in MigrationExecutor(connection).loader.graph.leaf_nodes("activity")])
