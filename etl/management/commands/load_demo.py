"""`manage.py load_demo`: the demo catalog through the ETL (safe to repeat; fast when nothing changed)."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from etl.demo import DEMO_DIR, demo_load
from etl.exceptions import one_line
from etl.services import summary_line


class Command(BaseCommand):
    help = (
        "Copy the demo CMS documents into the CMS bucket, run the ETL on the demo partner feed, and add a few "
        "editor overrides when the demo has none, so the catalog shows all three description sources."
    )

    def add_arguments(self, parser):
        parser.add_argument("--editor", metavar="USERNAME", help="Author of the demo overrides (when that user exists).")
        parser.add_argument("--demo-dir", type=Path, default=DEMO_DIR, help=f"Demo files (default: {DEMO_DIR}).")

    def handle(self, *args, editor, demo_dir, **options):
        author = get_user_model().objects.filter(username=editor).first() if editor else None
        try:
            result = demo_load(demo_dir=demo_dir, author=author)
        except Exception as exc:
            message = one_line(exc)
            raise CommandError(f"Demo load failed: {message}") from exc
        run = result.run
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo loaded: {result.documents_written} of {result.documents_total} CMS objects "
                f"(documents and images) written, "
                f"{result.overrides_written} overrides added; ETL run #{run.pk}: {summary_line(run)}"
            )
        )
