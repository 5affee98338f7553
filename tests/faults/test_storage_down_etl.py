"""Object storage stopped under the ETL: the run fails quickly with a clear message, is recorded as
failed, and the catalog (movies, people, credits, CMS texts, editors' overrides) is exactly as before.

A real S3 API server (moto) of this module's own is stopped between a first, good load and a second
run that would change the catalog. (Streams with storage down are tested in tests/streaming.)
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
from django.core.management import CommandError, call_command

from catalog.models import CmsDescription, Movie
from core.exceptions import DomainError
from etl.models import ETLRun
from overrides.models import DescriptionOverride
from people.models import Credit, Person
from core.storage import reset_s3_client, s3_client
from tests.factories import OverrideFactory
from tests.services import start_s3_server

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def own_s3(settings):
    server = start_s3_server()
    settings.S3_ENDPOINT_URL = f"http://127.0.0.1:{server.port}"
    settings.USE_S3 = True
    settings.S3_ACCESS_KEY_ID = "testing"
    settings.S3_SECRET_ACCESS_KEY = "testing"
    settings.S3_CMS_BUCKET = bucket = f"cms-{uuid.uuid4().hex[:8]}"
    reset_s3_client()
    s3_client().create_bucket(Bucket=bucket)
    yield server, bucket
    server.close()
    reset_s3_client()


def _put(bucket: str, key: str, document) -> str:
    s3_client().put_object(Bucket=bucket, Key=key, Body=json.dumps(document).encode())
    return f"s3://{bucket}/{key}"


def _feed(titles: dict[int, str], actor_name: str) -> list[dict]:
    return [
        {"movie_id": i, "title": title, "language": "en", "description": f"partner {i}",
         "actors": [{"actor_id": 100 + i, "full_name": actor_name, "role_name": "Lead"}]}
        for i, title in titles.items()
    ]


def _snapshot() -> dict:
    return {
        "movies": sorted(Movie.objects.values_list("external_id", "title", "description", "source_used", "updated_at")),
        "people": sorted(Person.objects.values_list("external_id", "full_name", "updated_at")),
        "credits": sorted(Credit.objects.values_list("movie__external_id", "person__external_id", "role_name")),
        "cms": sorted(CmsDescription.objects.values_list("movie__external_id", "language", "text")),
        "overrides": sorted(DescriptionOverride.objects.values_list("movie__external_id", "language", "text")),
    }


@pytest.fixture
def loaded_catalog(own_s3, tmp_path):
    """A first run loaded from S3 (feed and CMS), plus an editor's override."""
    from etl.services import etl_run

    _, bucket = own_s3
    feed = _put(bucket, "feeds/feed.json", _feed({1: "First", 2: "Second", 3: "Third"}, "Ada"))
    _put(bucket, "cms/1/en.json", {"movie_id": 1, "language": "en", "description": "cms one"})
    run = etl_run(partner_source=feed, cms_source=f"s3://{bucket}/cms")
    assert run.status != "failed" and Movie.objects.count() == 3
    OverrideFactory(movie=Movie.objects.get(external_id=2), language="en", text="editor two")
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(_feed({1: "First (new cut)", 2: "Second", 3: "Third", 4: "Fourth"}, "Ada Lovelace")))
    return {"bucket": bucket, "s3_feed": feed, "local_feed": str(changed)}


@pytest.mark.parametrize("feed_from", ["local file", "s3"])
def test_etl_with_storage_stopped_fails_cleanly_and_leaves_the_catalog_untouched(own_s3, loaded_catalog, feed_from):
    """Feed from a local file (the CMS read fails half-way through the run) or from S3 (fails at once)."""
    from etl.services import etl_run

    server, bucket = own_s3
    before = _snapshot()
    runs_before = ETLRun.objects.count()
    server.stop()
    partner = loaded_catalog["local_feed"] if feed_from == "local file" else loaded_catalog["s3_feed"]
    started = time.monotonic()
    with pytest.raises(DomainError) as raised:
        etl_run(partner_source=partner, cms_source=f"s3://{bucket}/cms")
    elapsed = time.monotonic() - started
    assert elapsed < 30, f"the run took {elapsed:.0f}s to notice the storage was gone"
    assert "unreachable" in raised.value.message or "unavailable" in raised.value.message, raised.value.message
    assert _snapshot() == before
    assert ETLRun.objects.count() == runs_before + 1
    failed = ETLRun.objects.latest("pk")
    assert failed.status == "failed"


def test_run_etl_command_says_one_line_and_exits_non_zero_with_storage_stopped(own_s3, loaded_catalog):
    server, bucket = own_s3
    before = _snapshot()
    server.stop()
    with pytest.raises(CommandError) as raised:
        call_command("run_etl", "--partner", loaded_catalog["local_feed"], "--cms", f"s3://{bucket}/cms", "--no-progress")
    message = str(raised.value)
    assert message.startswith("ETL failed (run #") and "\n" not in message
    assert _snapshot() == before
