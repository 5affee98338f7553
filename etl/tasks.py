"""Celery task running the ETL pipeline (from the admin's "Run ETL", or on the operator's schedule)."""

from __future__ import annotations

import logging

from django.db import OperationalError

from core.tasks import durable_task

from etl.exceptions import FeedError, SourceUnavailable

logger = logging.getLogger(__name__)


@durable_task("etl.run_etl", retry_on=(SourceUnavailable, OperationalError), backoff=30)
def run_etl_task(
    partner_source: str,
    cms_source: str | None = None,
    dry_run: bool = False,
    strict: bool = False,
    triggered_by: str = "task",
    user_id: int | None = None,
) -> int:
    """Run the pipeline once; returns the ETLRun id. Safe to run twice: a repeated load writes nothing."""
    from django.contrib.auth import get_user_model

    from etl.services import etl_run

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        run = etl_run(
            partner_source=partner_source, cms_source=cms_source, dry_run=dry_run, strict=strict,
            triggered_by=triggered_by, user=user,
        )
    except FeedError as exc:
        # Bad input: the failed run and its reason are on record; retrying would fail the same way.
        logger.warning("etl task: %s", exc.message)
        return exc.etl_run.pk
    return run.pk


@durable_task("etl.run_scheduled_etl")
def run_scheduled_etl_task() -> None:
    """The operator's schedule (ETL_SCHEDULE_CRON): the sources configured in ETL_PARTNER_SOURCE / ETL_CMS_SOURCE."""
    from django.conf import settings

    from etl.sources import configured_cms_source

    run_etl_task.delay(
        partner_source=settings.ETL_PARTNER_SOURCE, cms_source=configured_cms_source(), triggered_by="schedule"
    )
