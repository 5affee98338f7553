"""The outbox: rows waiting for Kafka, written in the caller's transaction (ingest, idle sessions), and
the nudge that wakes the relay once that transaction has committed."""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
import uuid
from datetime import datetime
from typing import NamedTuple

from celery import current_app
from django.db import connection, transaction

from activity.services import binary
from activity.services.relay import relay_outbox

logger = logging.getLogger(__name__)

# The Celery task that runs `relay_outbox` (activity/tasks.py registers it under this name). Sent by
# name, so the services never import the tasks module (the tasks import the services).
RELAY_TASK = "activity.relay_outbox"


class OutboxRow(NamedTuple):
    event_id: uuid.UUID
    session_id: uuid.UUID
    event_type: str
    message: str  # the Kafka message (activity.kafka.build_message)
    traceparent: str
    created_at: datetime


def insert_outbox_rows(rows: list[OutboxRow]) -> set[uuid.UUID]:
    """INSERT the rows, skipping event ids already stored; returns the event ids that were new.

    Two orders matter. The relay sends rows in id order, so ids are drawn in the callers' order (a
    session's events leave as the player sent them). The rows are written, and their unique keys
    locked, in event-id order, so two transactions holding overlapping events wait for each other
    in one order only: they queue instead of deadlocking. Each new row's id is listed in the relay's
    queue (OutboxUnsent) by the same statement.
    """
    if not rows:
        return set()
    # One array per column: six parameters whatever the batch size (cheap to bind and to plan).
    columns = [list(column) for column in zip(*rows)]
    stored = binary.execute(
        "WITH r AS MATERIALIZED ("
        "  SELECT nextval(%s::regclass) AS id, e, s, t, m, p, c FROM ("
        "    SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::text[], %s::text[], %s::text[], %s::timestamptz[]) "
        "    WITH ORDINALITY AS u(e, s, t, m, p, c, n) ORDER BY n) AS ordered"
        "), stored AS ("
        "  INSERT INTO activity_outboxevent (id, event_id, session_id, event_type, message, traceparent, created_at, attempts, last_error) "
        "  SELECT id, e, s, t, m, p, c, 0, '' FROM r ORDER BY e ON CONFLICT (event_id) DO NOTHING RETURNING id, event_id"
        "), queued AS (INSERT INTO activity_outboxunsent (outbox_id) SELECT id FROM stored) "
        "SELECT event_id FROM stored",
        [_id_sequence(), *columns],
    )
    return {row[0] for row in stored}


_sequence: str | None = None


def _id_sequence() -> str:
    global _sequence
    if _sequence is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence('activity_outboxevent', 'id')")
            _sequence = cursor.fetchone()[0]
    return _sequence


def relay_after_commit() -> None:
    """Nudge the relay once the current transaction commits (never for a rolled-back one)."""
    transaction.on_commit(nudge_relay)


# --- Nudging the relay ---------------------------------------------------------------------------
# A publish to a Redis that is down takes seconds (redis-py retries the connection), so nudges leave
# from one background thread per process; a request only drops a token in a one-slot queue. A nudge
# already waiting there covers every commit made before it is sent, so dropping extras loses nothing.

BROKER_BACKOFF = 10.0  # seconds without nudges after the Celery broker failed (beat catches up)
_broker_down_until = 0.0
_pending: queue.Queue = queue.Queue(maxsize=1)
_sender: tuple[int, threading.Thread] | None = None
_sender_lock = threading.Lock()


def nudge_relay() -> None:
    """Ask a worker to relay the outbox now (called from `transaction.on_commit`). Never raises and
    never waits for the broker: the events are stored, and beat runs the relay every few seconds.

    Not `delay_on_commit`: a failing publish inside an on_commit callback would turn the stored
    batch's 202 into a 500, and a slow one would hold the request.
    """
    if current_app.conf.task_always_eager:
        _relay_here()  # embedded mode: no broker and no worker, so the relay runs here
        return
    _ensure_sender()
    try:
        _pending.put_nowait(None)
    except queue.Full:
        pass


def _send_nudge() -> None:
    global _broker_down_until
    moment = time.monotonic()
    if moment < _broker_down_until:
        return
    try:
        current_app.send_task(RELAY_TASK, retry=False, expires=30)
    except Exception as exc:  # a broker outage must not fail an ingest whose events are already stored
        _broker_down_until = moment + BROKER_BACKOFF
        logger.warning("could not nudge the activity relay (the Celery broker is unreachable?): %s", exc)


def _relay_here() -> None:
    # The service, not the eager task: an eager task's autoretry would retry at once, forever, while
    # Kafka is down. One attempt; what is left waits for the next ingest.
    try:
        relay_outbox(time_budget=5.0)
    except Exception as exc:  # the batch is stored; a failed relay only delays it
        logger.warning("activity relay failed (events stay in the outbox): %s", exc)


# At most one nudge per process per interval. Under load every ingest commit asks for a nudge (60+
# a second at 3,000 events/s); one relay task each would queue faster than a worker runs them, and
# the queue's wait (and the tasks' 30 s expiry) became the relay's lag. Commits made while the sender
# sleeps leave one token, so the nudge after the sleep covers them all (sent after their commit).
NUDGE_INTERVAL = 0.1  # seconds


def _sender_loop() -> None:
    while True:
        _pending.get()
        _send_nudge()
        time.sleep(NUDGE_INTERVAL)


def _ensure_sender() -> None:
    global _sender
    with _sender_lock:
        # A forked child (gunicorn, Celery prefork) inherits the variable but not the thread.
        if _sender is None or _sender[0] != os.getpid() or not _sender[1].is_alive():
            thread = threading.Thread(target=_sender_loop, name="activity-relay-nudge", daemon=True)
            thread.start()
            _sender = (os.getpid(), thread)


def reset_nudge_state() -> None:
    """Forget the broker back-off (tests)."""
    global _broker_down_until
    _broker_down_until = 0.0
