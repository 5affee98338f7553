"""The one ETL pipeline behind `run_etl`, the Celery task, the admin action and `load_demo`.

etl_run() records an ETLRun, streams the partner feed and the CMS documents into staging tables,
merges them into the catalog in one transaction (etl.merge) and stores the outcome.
"""

from __future__ import annotations

import json
import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from etl import metrics
from etl.cleaning import IMAGE_EXTENSIONS, clean_cms_document, clean_movie, display_id
from etl.exceptions import FeedError, RecordRejected, StrictModeRejection, one_line
from etl.feed import iter_feed_records
from etl.merge import LoadResult, Staging, merge, new_staging, stage_cms, stage_movie
from etl.merge.result import KINDS, Counts
from etl.models import ETLRun, RejectedRecord
from core.storage import ObjectLocation, uses_s3
from etl.images import KINDS as IMAGE_KINDS
from etl.images import CmsImageRef, attach_cms_images
from etl.sources import ListedObject, default_cms_source, list_objects, open_feed, parse_s3_url, read_object

logger = logging.getLogger(__name__)

# Report rows kept per run; the count in ETLRun.rejected stays exact beyond it.
MAX_STORED_RECORDS = 10_000
CMS_READERS = 16
_LOCK_KEY = 0x45544C  # pg advisory lock: one run at a time


class Progress:
    """What a run tells its caller as it goes (the command draws a progress bar); does nothing by default."""

    def begin(self, *, total_bytes: int | None) -> None: ...

    def advance(self, nbytes: int) -> None: ...

    def phase(self, text: str) -> None: ...

    def end(self) -> None: ...


@dataclass
class _Report:
    records: list[RejectedRecord] = field(default_factory=list)
    rejected: int = 0
    reported: int = 0
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase (partner, cms, merge)

    def __call__(self, source: str, record_id: str, position: str, reason: str, outcome: str = "rejected") -> None:
        if outcome == RejectedRecord.Outcome.REJECTED:
            self.rejected += 1
        else:
            self.reported += 1
        if len(self.records) < MAX_STORED_RECORDS:
            self.records.append(
                RejectedRecord(source=source, record_id=record_id[:255], position=position[:1024], reason=reason, outcome=outcome)
            )


def etl_run(
    *,
    partner_source: str,
    cms_source: str | None = None,
    dry_run: bool = False,
    strict: bool = False,
    triggered_by: str = "",
    user=None,
    progress: Progress | None = None,
) -> ETLRun:
    """Load the partner feed (and the CMS documents unless `cms_source` is None) into the catalog.

    Returns the finished ETLRun. A source that cannot be read, or (with `strict`) any rejected record,
    raises FeedError after recording the run as failed; the catalog is then exactly as before.
    """
    progress = progress or Progress()
    if not partner_source.startswith("s3://"):
        # Recorded absolute, so a later run from the admin or a worker reads the same file.
        partner_source = str(Path(partner_source).expanduser().absolute())
    run = ETLRun.objects.create(
        partner_source=partner_source, cms_source=cms_source or "", dry_run=dry_run, strict=strict,
        triggered_by=triggered_by, user=user,
    )
    report = _Report()
    started = time.perf_counter()
    result = LoadResult()
    timings = report.timings
    cms = None
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
                staging = new_staging(cursor.cursor)
                mark = time.perf_counter()
                _stage_feed(staging, partner_source, report, progress)
                timings["partner"], mark = time.perf_counter() - mark, time.perf_counter()
                if cms_source is not None:
                    cms = _stage_cms(staging, cms_source, report, progress)
                staging.flush()
                timings["cms"], mark = time.perf_counter() - mark, time.perf_counter()
                progress.phase("merging into the catalog")
                result = merge(cursor.cursor, cms_prefix_url=cms and cms.prefix_url, report=report, now=timezone.now())
                timings["merge"] = time.perf_counter() - mark
            if strict and report.rejected:
                raise StrictModeRejection(
                    f"{partner_source}: {report.rejected} record(s) rejected in strict mode; nothing was loaded"
                )
            if dry_run:
                if cms is not None:  # checked and counted here, while the run's movies exist; nothing stored
                    result.images = _attach_images(cms, report, dry_run=True)
                transaction.set_rollback(True)
        if cms is not None and not dry_run:
            # After the commit, one image at a time: a slow or failing image costs neither the load nor its locks.
            mark = time.perf_counter()
            progress.phase("importing the CMS images")
            result.images = _attach_images(cms, report, dry_run=False)
            timings["images"] = time.perf_counter() - mark
    except BaseException as exc:
        _finish(run, report, result, started, status=ETLRun.Status.FAILED, error=one_line(exc, limit=2000))
        exc.etl_run = run  # the caller names the failed run
        raise
    finally:
        progress.end()
    _finish(run, report, result, started, status=ETLRun.Status.SUCCEEDED)
    return run


def _stage_feed(staging: Staging, source: str, report: _Report, progress: Progress) -> None:
    opened = open_feed(source, on_read=progress.advance)
    progress.begin(total_bytes=opened.size)
    progress.phase("reading the partner feed")
    try:
        for number, record in iter_feed_records(opened):
            try:
                movie = clean_movie(record)
            except RecordRejected as exc:
                report("partner", display_id(record, "movie_id"), f"record {number}", exc.reason)
                continue
            for warning in movie.warnings:
                report("partner", str(movie.movie_id), f"record {number}", warning, "reported")
            stage_movie(staging, number, movie)
    finally:
        opened.reader.close()


_CMS_KEY_RE = re.compile(r"^(?P<movie>[1-9][0-9]{0,18})/(?P<language>[a-z]{2,3})\.json$")


@dataclass
class _CmsRead:
    prefix_url: str  # the URL the documents' keys start with
    images: list[CmsImageRef]  # the posters and backdrops the documents name


def _stage_cms(staging: Staging, source: str, report: _Report, progress: Progress) -> _CmsRead:
    """Stage every document under the prefix, and collect the images they name (imported by etl.images)."""
    root = parse_s3_url(source, prefix=True)
    progress.phase("reading the CMS documents")
    prefix = f"{root.key}/" if root.key else ""
    documents = []
    assets: dict[str, ListedObject] = {}  # images under the prefix, by key relative to it
    for listed in list_objects(root, stat_suffixes=IMAGE_EXTENSIONS):
        relative = listed.key[len(prefix):]
        if relative.lower().endswith(IMAGE_EXTENSIONS):
            assets[relative] = listed
            continue
        match = _CMS_KEY_RE.match(relative)
        if match is None:
            report("cms", "", f"s3://{root.bucket}/{listed.key}", f"key does not match {prefix}<movie_id>/<language>.json")
            continue
        documents.append((listed.key, int(match["movie"]), match["language"]))

    def fetch(item):
        key, movie_id, language = item
        return item, read_object(root.bucket, key)

    images: list[CmsImageRef] = []
    for number, ((key, movie_id, language), body) in enumerate(_fetch_all(fetch, documents), start=1):
        url = f"s3://{root.bucket}/{key}"
        try:
            try:
                parsed = json.loads(body)
            except (ValueError, UnicodeDecodeError) as exc:
                raise RecordRejected(f"malformed JSON: {exc}") from None
            document = clean_cms_document(parsed, movie_id=movie_id, language=language)
        except RecordRejected as exc:
            report("cms", str(movie_id), url, exc.reason)
            continue
        for warning in document.warnings:
            report("cms", str(movie_id), url, warning, "reported")
        stage_cms(staging, number, url, document)
        for kind in IMAGE_KINDS:
            if kind in parsed and parsed[kind] is not None and parsed[kind] != "":
                images.append(_image_ref(root, prefix, assets, document, kind, url, report))
    return _CmsRead(f"s3://{root.bucket}/{prefix}", images)


def _image_ref(root, prefix: str, assets: dict, document, kind: str, url: str, report: _Report) -> CmsImageRef:
    """The image the document names for `kind`, found in the prefix's listing (unusable: reported, no location)."""
    ref = CmsImageRef(document.movie_id, document.language, kind, url)
    relative = getattr(document, kind)
    if relative is None:
        return ref  # an unusable key: cleaning reported it
    listed = assets.get(relative)
    if listed is None:
        report("cms", str(document.movie_id), url,
               f"{kind} s3://{root.bucket}/{prefix}{relative}: no such object; the movie keeps its current {kind}", "reported")
        return ref
    return CmsImageRef(document.movie_id, document.language, kind, url, ObjectLocation(root.bucket, listed.key),
                       listed.size, listed.etag)


def _attach_images(cms: _CmsRead, report: _Report, *, dry_run: bool) -> Counts:
    try:
        return attach_cms_images(cms.images, prefix_url=cms.prefix_url, report=report, dry_run=dry_run)
    except Exception as exc:  # the load stands (it has committed); the next run tries the images again
        logger.exception("importing the CMS images failed")
        report("cms", "", cms.prefix_url, f"the CMS images were not imported: {one_line(exc, limit=500)}", "reported")
        return Counts()


def _fetch_all(fetch, items: list):
    """fetch(item) for every item, in order. Over S3 the latency of each small GET dominates, so many run at
    once (the client is thread-safe), a bounded window at a time so memory stays flat; local files are read
    one by one."""
    if not uses_s3():
        yield from map(fetch, items)
        return
    with ThreadPoolExecutor(max_workers=CMS_READERS) as pool:
        for start in range(0, len(items), CMS_READERS * 16):
            yield from pool.map(fetch, items[start:start + CMS_READERS * 16])


def _finish(run: ETLRun, report: _Report, result: LoadResult, started: float, *, status: str, error: str = "") -> None:
    duration = time.perf_counter() - started
    run.status = status
    run.error = error
    run.finished_at = timezone.now()
    run.created, run.updated, run.unchanged = result.totals()
    run.rejected = report.rejected
    run.counts = {**result.as_dict(), "rejected": report.rejected, "reported": report.reported,
                  "seconds": {phase: round(value, 3) for phase, value in report.timings.items()}}
    # The run's own row lives outside the load's transaction, so a failed load is still on record.
    with transaction.atomic():
        run.save()
        for record in report.records:
            record.run = run
        RejectedRecord.objects.bulk_create(report.records, batch_size=1000)
    mode = "dry_run" if run.dry_run else "load"
    metrics.RUNS.labels(status=status, mode=mode).inc()
    metrics.RUN_DURATION.labels(status=status).observe(duration)
    if status == ETLRun.Status.SUCCEEDED and not run.dry_run:
        metrics.LAST_SUCCESS.set(time.time())
        for kind, counts in result.as_dict().items():
            for outcome, value in counts.items():
                if outcome != "missing" and value:
                    metrics.ROWS.labels(kind=kind, outcome=outcome).inc(value)
        if report.rejected:
            metrics.ROWS.labels(kind="records", outcome="rejected").inc(report.rejected)
    log = logger.info if status == ETLRun.Status.SUCCEEDED else logger.warning
    log("etl run %s %s in %.1fs: %s", run.pk, status, duration, summary_line(run))


def summary_line(run: ETLRun) -> str:
    """One line: what the run did, per kind of row."""
    counts = run.counts or {}
    parts = []
    for kind in KINDS:
        if kind in counts:
            parts.append(f"{kind} " + " ".join(f"{k}={v}" for k, v in counts[kind].items()))
    parts.append(f"rejected={run.rejected}")
    if counts.get("reported"):
        parts.append(f"reported={counts['reported']}")
    if counts.get("seconds"):
        parts.append("seconds " + " ".join(f"{k}={v:.1f}" for k, v in counts["seconds"].items()))
    return "; ".join(parts)


__all__ = ["FeedError", "Progress", "default_cms_source", "etl_run", "summary_line"]
