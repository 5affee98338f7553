"""`manage.py load_demo_activity`: a month of plausible viewing sent through the real pipeline, once.

The events go through the ingest service the API calls (validation, outbox, resume positions), then
the relay to Kafka and the consumer build the statistics, exactly as for a player's events. The
service, not an HTTP request: the API refuses events older than 7 days, and a month of history is
older. Each batch is ingested "as of" its own time, so the server's received day is the viewing day.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import F
from django.utils import timezone

from activity.selectors import outbox_backlog
from activity.services import ingest_events
from activity.services.outbox import nudge_relay
from activity.validation import parse_time
from analytics.demo import simulate_history
from analytics.models import DemoActivityLoad, SessionSummary
from catalog.models import Movie

MARKER = "demo-activity-v1"
BATCH = 500
DEFAULT_DURATION = 95 * 60.0  # a feature film, for movies without a video (the demo videos are short clips)


class Command(BaseCommand):
    help = "Send about 30 days of demo viewing through ingest, the outbox, Kafka and the consumer (runs once)."

    def add_arguments(self, parser):
        parser.add_argument("--sessions", type=int, default=2000, help="Sessions to simulate (default 2000).")
        parser.add_argument("--days", type=int, default=30, help="Days of history (default 30).")
        parser.add_argument("--seed", type=int, default=16)
        parser.add_argument("--wait", type=float, default=45.0, help="Seconds to wait for the relay and the consumer (0: do not wait).")
        parser.add_argument("--force", action="store_true", help="Send again even if the demo history was loaded.")

    def handle(self, *args, sessions, days, seed, wait, force, **options):
        loaded = DemoActivityLoad.objects.filter(name=MARKER).first()
        if loaded and not force:
            self.stdout.write("demo viewing history already loaded (use --force to send it again)")
            # Loaded before Kafka was up (make's demo-data step): see the backlog through now.
            if settings.KAFKA_BOOTSTRAP_SERVERS and wait > 0 and outbox_backlog()["count"]:
                self._wait_for_pipeline(expect=loaded.sessions, deadline=time.monotonic() + wait, started=time.monotonic())
            return
        if not 1 <= days <= 7 * 52 or sessions < 1:
            raise CommandError("--days must be 1..364 and --sessions at least 1")
        movies = [
            (movie.pk, movie.video_duration or DEFAULT_DURATION)
            for movie in Movie.objects.filter(is_published=True).annotate(video_duration=F("video__duration")).order_by("pk")
        ]
        if not movies:
            raise CommandError("no published movies: load the catalog first (manage.py load_demo)")
        started = time.monotonic()
        now = timezone.now()
        history = simulate_history(movies=movies, sessions=sessions, days=days, now=now, seed=seed)
        accepted = rejected = 0
        batch: list[dict] = []
        for index, session in enumerate(history):
            batch.extend(session.events)
            following = history[index + 1] if index + 1 < len(history) else None
            # A batch ends before it would pass 500 events or span more than a day: ingest refuses
            # events more than 7 days older than its "now" (a session with long pauses spans hours).
            if (
                following is None
                or len(batch) + len(following.events) > BATCH
                or following.ends_at - parse_time(batch[0]["occurred_at"]) > timedelta(days=1)
            ):
                # "Now" is when the batch's last session ended: the server receives it then.
                results = ingest_events(events=batch, now=session.ends_at + timedelta(seconds=1))
                accepted += sum(r.status != "rejected" for r in results)
                bad = [r for r in results if r.status == "rejected"]
                rejected += len(bad)
                if bad:
                    self.stderr.write(f"rejected: {bad[0].code}: {bad[0].reason}")
                batch = []
        DemoActivityLoad.objects.update_or_create(name=MARKER, defaults={"sessions": len(history), "events": accepted})
        self.stdout.write(
            f"sent {accepted} events of {len(history)} sessions over {days} days in {time.monotonic() - started:.1f} s"
            + (f" ({rejected} rejected)" if rejected else "")
        )
        if not settings.KAFKA_BOOTSTRAP_SERVERS:
            self.stdout.write("KAFKA_BOOTSTRAP_SERVERS is not set: the events wait in the outbox for the relay")
            return
        if wait > 0:
            self._wait_for_pipeline(expect=len(history), deadline=time.monotonic() + wait, started=started)

    def _wait_for_pipeline(self, *, expect: int, deadline: float, started: float) -> None:
        """Keep the relay going until the outbox is empty, then wait for the consumer's summaries."""
        while time.monotonic() < deadline:
            backlog = outbox_backlog()["count"]
            summarised = SessionSummary.objects.filter(viewer_key__startswith="anon:demo-viewer-").count()
            if backlog == 0 and summarised >= expect:
                self.stdout.write(f"the consumer has summarised all {expect} demo sessions ({time.monotonic() - started:.1f} s in all)")
                return
            if backlog:
                nudge_relay()
            time.sleep(0.5)
        self.stdout.write(
            f"still in flight after the wait: {outbox_backlog()['count']} events in the outbox; the relay and the "
            "consumer (manage.py consume_activity) finish the rest"
        )
