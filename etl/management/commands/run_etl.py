"""`manage.py run_etl`: load the partner feed and the CMS documents into the catalog."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from etl.exceptions import one_line
from etl.services import Progress, etl_run, summary_line
from etl.sources import default_cms_source


class TqdmProgress(Progress):
    """A byte progress bar over the partner feed on a terminal; silent otherwise."""

    def __init__(self, stream, enabled: bool):
        self.stream = stream
        self.enabled = enabled
        self.bar = None

    def begin(self, *, total_bytes):
        if self.enabled:
            self.bar = tqdm(total=total_bytes, unit="B", unit_scale=True, unit_divisor=1024, file=self.stream,
                            desc="partner feed", dynamic_ncols=True, leave=False)

    def advance(self, nbytes):
        if self.bar is not None:
            self.bar.update(nbytes)

    def phase(self, text):
        if self.bar is not None:
            self.bar.set_description_str(text)

    def end(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Command(BaseCommand):
    help = (
        "Load movies, people and credits from the partner feed (local path or s3://bucket/key) and the CMS "
        "documents (s3://bucket/prefix) into the catalog. Exit code 0 on success, 1 on failure."
    )

    def add_arguments(self, parser):
        parser.add_argument("--partner", required=True, metavar="PATH_OR_S3_URL", help="The partner feed (JSON list of movies).")
        cms = parser.add_mutually_exclusive_group()
        cms.add_argument("--cms", metavar="S3_URL", help="CMS documents prefix (default: s3://<S3_CMS_BUCKET>/cms).")
        cms.add_argument("--no-cms", action="store_true", help="Do not read CMS documents; leave the stored ones as they are.")
        parser.add_argument("--dry-run", action="store_true", help="Read, check and count everything; keep nothing.")
        parser.add_argument("--strict", action="store_true", help="Fail (and load nothing) when any record is rejected.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar even on a terminal.")

    def handle(self, *args, partner, cms, no_cms, dry_run, strict, no_progress, **options):
        cms_source = None if no_cms else (cms or default_cms_source())
        progress = TqdmProgress(sys.stderr, enabled=not no_progress and sys.stderr.isatty())
        try:
            run = etl_run(partner_source=partner, cms_source=cms_source, dry_run=dry_run, strict=strict,
                          triggered_by="command", progress=progress)
        except Exception as exc:
            run = getattr(exc, "etl_run", None)
            message = one_line(exc)
            where = f" (run #{run.pk})" if run is not None else ""
            raise CommandError(f"ETL failed{where}: {message}") from exc
        prefix = "Dry run, nothing kept" if dry_run else "ETL done"
        self.stdout.write(self.style.SUCCESS(f"{prefix} (run #{run.pk}, {run.duration.total_seconds():.1f}s): {summary_line(run)}"))
        for record in run.records.all()[:20]:
            self.stdout.write(f"  {record.outcome} {record.source} {record.record_id or '?'} [{record.position}]: {record.reason}")
        if run.records.count() > 20:
            self.stdout.write(f"  ... see the run in the admin for all {run.records.count()} records")
