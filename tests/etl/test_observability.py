"""What operators see: the Prometheus metrics of a run and the command's progress bar."""

from __future__ import annotations

import io

import pytest
from prometheus_client import REGISTRY

from etl.management.commands.run_etl import TqdmProgress
from etl.services import etl_run
from tests.etl.records import actor, movie

pytestmark = pytest.mark.django_db


def _value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_run_counts_rows_by_outcome_and_its_duration(feed_file, local_store):
    created = _value("cinema_etl_rows_total", kind="movies", outcome="created")
    unchanged = _value("cinema_etl_rows_total", kind="people", outcome="unchanged")
    rejected = _value("cinema_etl_rows_total", kind="records", outcome="rejected")
    runs = _value("cinema_etl_run_duration_seconds_count", status="succeeded")
    path = feed_file([movie(1, "A", actors=[actor(1, "X")]), movie(2, "B"), movie("bad")])
    etl_run(partner_source=path)
    etl_run(partner_source=path)
    assert _value("cinema_etl_rows_total", kind="movies", outcome="created") == created + 2
    assert _value("cinema_etl_rows_total", kind="people", outcome="unchanged") == unchanged + 1
    assert _value("cinema_etl_rows_total", kind="records", outcome="rejected") == rejected + 2
    assert _value("cinema_etl_run_duration_seconds_count", status="succeeded") == runs + 2
    assert _value("cinema_etl_last_success_timestamp_seconds") > 0


def test_a_failed_run_is_counted(feed_file, local_store):
    failed = _value("cinema_etl_runs_total", status="failed", mode="load")
    with pytest.raises(Exception):
        etl_run(partner_source=feed_file(b"{"))
    assert _value("cinema_etl_runs_total", status="failed", mode="load") == failed + 1


def test_the_progress_bar_follows_the_feed_bytes(feed_file, local_store):
    stream = io.StringIO()
    path = feed_file([movie(i, f"M{i}") for i in range(1, 200)])
    etl_run(partner_source=path, progress=TqdmProgress(stream, enabled=True))
    output = stream.getvalue()
    size = f"{__import__('os').path.getsize(path) / 1024:.1f}k"
    assert f"reading the partner feed:   0%|          | 0.00/{size}" in output
    assert f"merging into the catalog: 100%|##########| {size}/{size}" in output


def test_no_progress_bar_off_a_terminal(feed_file, local_store):
    stream = io.StringIO()
    etl_run(partner_source=feed_file([movie(1, "A")]), progress=TqdmProgress(stream, enabled=False))
    assert stream.getvalue() == ""
