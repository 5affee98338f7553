"""Sources in a real S3 API server (moto, or S3_ENDPOINT_URL): the feed and the CMS documents read from buckets."""

from __future__ import annotations

import json

import pytest

from catalog.models import CmsDescription, Movie
from etl.exceptions import FeedError, SourceUnavailable
from etl.models import ETLRun
from etl.services import etl_run
from people.models import Credit
from core.storage import reset_s3_client
from tests.etl.records import actor, movie

pytestmark = pytest.mark.django_db


def test_feed_and_cms_documents_from_buckets(s3_store):
    feed = s3_store.put("feeds/partner.json", [movie(1, "A", "en", "partner", [actor(1, "P One")]), movie(2, "B", "ru", "p")])
    s3_store.cms(1, "en", "<p>cms en</p>", actors=[actor(2, "C Two", "Lead")])
    s3_store.cms(1, "ru", "cms ru")
    s3_store.cms(2, "en", "cms B en")
    run = etl_run(partner_source=feed, cms_source=s3_store.cms_url)
    assert run.status == "succeeded" and run.counts["cms"]["created"] == 3
    a = Movie.objects.get(external_id=1)
    assert (a.description, a.source_used) == ("cms en", "cms")
    assert CmsDescription.objects.get(movie=a, language="en").document_key == f"s3://{s3_store.bucket}/cms/1/en.json"
    assert list(Credit.objects.filter(movie=a).values_list("person__full_name", flat=True)) == ["C Two"]
    assert Movie.objects.get(external_id=2).source_used == "partner"
    again = etl_run(partner_source=feed, cms_source=s3_store.cms_url)
    assert (again.created, again.updated) == (0, 0)


def test_documents_outside_the_prefix_are_not_read(s3_store):
    feed = s3_store.put("feed.json", [movie(1, "A", "en", "partner")])
    s3_store.cms(1, "en", "elsewhere", prefix="other")
    run = etl_run(partner_source=feed, cms_source=s3_store.cms_url)
    assert run.counts["cms"]["created"] == 0 and not CmsDescription.objects.exists()


def test_a_large_feed_streams_from_s3_in_batches(s3_store):
    records = [movie(i, f"Movie {i}", "en", "text " * 20, [actor(10_000 + i % 700, f"Person {i % 700}", f"R{i}")])
               for i in range(1, 12_001)]
    feed = s3_store.put("big.json", json.dumps(records).encode())
    run = etl_run(partner_source=feed, cms_source=None)
    assert run.counts["movies"]["created"] == 12_000 and run.counts["people"]["created"] == 700
    assert Credit.objects.count() == 12_000


@pytest.mark.parametrize(
    "source, message",
    [
        ("s3://{bucket}/no-such-feed.json", "no such object"),
        ("s3://missing-bucket-{bucket}/feed.json", "the bucket does not exist"),
        ("s3://{bucket}", "names a bucket but no object"),
    ],
)
def test_an_unreadable_feed_object_is_a_clear_error(s3_store, source, message):
    source = source.format(bucket=s3_store.bucket)
    with pytest.raises(FeedError, match=message) as raised:
        etl_run(partner_source=source)
    assert source in raised.value.message
    assert ETLRun.objects.get().status == "failed" and not Movie.objects.exists()


def test_a_missing_cms_bucket_fails_the_run_and_loads_nothing(s3_store):
    feed = s3_store.put("feed.json", [movie(1, "A")])
    with pytest.raises(FeedError, match=f"s3://nope-{s3_store.bucket}/cms: the bucket does not exist"):
        etl_run(partner_source=feed, cms_source=f"s3://nope-{s3_store.bucket}/cms")
    assert not Movie.objects.exists()


def test_unreachable_object_storage_is_reported_as_unavailable(s3_store, settings):
    settings.S3_ENDPOINT_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    settings.S3_CONNECT_TIMEOUT = 0.5
    reset_s3_client()
    with pytest.raises(SourceUnavailable, match="object storage is unreachable"):
        etl_run(partner_source=f"s3://{s3_store.bucket}/feed.json")
    assert ETLRun.objects.get().status == "failed"


def test_many_cms_documents_are_read_in_bounded_parallel_windows(s3_store):
    count = 300  # more than one window of concurrent GETs
    feed = s3_store.put("feed.json", [movie(i, f"M{i}", "en", "partner") for i in range(1, count + 1)])
    for i in range(1, count + 1):
        s3_store.cms(i, "en", f"cms {i}")
    run = etl_run(partner_source=feed, cms_source=s3_store.cms_url)
    assert run.counts["cms"]["created"] == count
    assert dict(Movie.objects.values_list("external_id", "description")) == {i: f"cms {i}" for i in range(1, count + 1)}
