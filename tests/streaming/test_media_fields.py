"""The catalog and people APIs carry the images and the seek-preview track URL (the list's posters in
one query for the whole page)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from streaming.images import image_store
from tests.factories import MovieFactory, PersonFactory
from tests.streaming.test_images import picture

pytestmark = pytest.mark.django_db


def test_list_posters_come_with_the_page_query(video_backend, django_capture_on_commit_callbacks):
    movies = [MovieFactory() for _ in range(6)]
    with django_capture_on_commit_callbacks(execute=True):
        posters = {m.pk: image_store(kind="poster", data=picture(400, 600), movie=m) for m in movies[:4]}
    client = APIClient()
    with CaptureQueriesContext(connection) as queries:
        results = client.get("/api/v1/movies/?limit=100").json()["results"]
    # The posters are a column of the page's own query (the bounded count wraps that query, and
    # PostgreSQL computes none of the columns the count does not read).
    reads = [q["sql"] for q in queries.captured_queries if "streaming_image" in q["sql"] and not q["sql"].startswith("SELECT COUNT(*)")]
    assert len(reads) == 1 and 'FROM "catalog_movie"' in reads[0]
    by_id = {item["id"]: item["poster"] for item in results}
    for movie in movies:
        if movie.pk in posters:
            assert by_id[movie.pk] == [
                {"url": f"/api/v1/images/{posters[movie.pk].pk}/{w}", "width": w} for w in (160, 320)
            ]
        else:
            assert by_id[movie.pk] == []


def test_detail_and_person_fields(video_backend, django_capture_on_commit_callbacks):
    movie, person = MovieFactory(), PersonFactory()
    with django_capture_on_commit_callbacks(execute=True):
        backdrop = image_store(kind="backdrop", data=picture(1920, 1080, fmt="JPEG"), movie=movie)
        photo = image_store(kind="photo", data=picture(120, 160), person=person)
    detail = APIClient().get(f"/api/v1/movies/{movie.pk}/").json()
    assert detail["poster"] == [] and detail["trickplay_url"] is None
    assert [s["width"] for s in detail["backdrop"]] == [160, 320, 640, 1280]
    assert detail["backdrop"][0]["url"] == f"/api/v1/images/{backdrop.pk}/160"
    # Narrower than every width: one WebP rendition at its own width.
    assert APIClient().get(f"/api/v1/people/{person.pk}/").json()["photo"] == [
        {"url": f"/api/v1/images/{photo.pk}/120", "width": 120}
    ]
