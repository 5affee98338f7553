"""GET/HEAD /api/v1/movies/<id>/stream against a real S3 API server and the local object directory."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils.http import http_date
from rest_framework.test import APIClient

from streaming import metrics
from tests.factories import EditorFactory, MovieFactory
from tests.streaming.conftest import pattern_bytes, store_asset

pytestmark = pytest.mark.django_db

SIZE = 100_003  # not a multiple of the chunk size
DATA = pattern_bytes(SIZE)


def url(movie_id: int) -> str:
    return f"/api/v1/movies/{movie_id}/stream"


@pytest.fixture
def asset(video_backend):
    return store_asset(MovieFactory(), DATA)


@pytest.fixture
def client() -> APIClient:
    return APIClient()


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_full_get(client, asset):
    response = client.get(url(asset.movie_id))
    assert response.status_code == 200
    assert body(response) == DATA
    assert response["Content-Length"] == str(SIZE)
    assert response["Content-Type"] == "video/mp4"
    assert response["Accept-Ranges"] == "bytes"
    assert response["ETag"] == f'"{asset.sha256[:32]}"'
    assert response["Last-Modified"] == http_date(int(asset.updated_at.timestamp()))
    assert "Content-Range" not in response


@pytest.mark.parametrize(
    "header, start, end",
    [
        ("bytes=0-99", 0, 99),
        ("bytes=4000-50000", 4000, 50000),
        ("bytes=99000-", 99000, SIZE - 1),
        ("bytes=-1000", SIZE - 1000, SIZE - 1),
        ("bytes=0-0", 0, 0),
        ("bytes=-1", SIZE - 1, SIZE - 1),
        ("bytes=100000-999999999", 100000, SIZE - 1),
        ("bytes=-999999999", 0, SIZE - 1),
    ],
)
def test_single_range(client, asset, header, start, end):
    response = client.get(url(asset.movie_id), HTTP_RANGE=header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{SIZE}"
    assert response["Content-Length"] == str(end - start + 1)
    assert body(response) == DATA[start : end + 1]


@pytest.mark.parametrize("header", ["bytes=100003-", "bytes=200000-300000", "bytes=-0"])
def test_unsatisfiable_range(client, asset, header):
    response = client.get(url(asset.movie_id), HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{SIZE}"
    assert body(response) == b""


@pytest.mark.parametrize(
    "header", ["bytes=0-9,20-29", "bytes=abc", "bytes=10-5", "items=0-9", "bytes=", "bytes=1-2-3", "bytes=\u0661-2"]
)
def test_invalid_or_multiple_ranges_get_the_whole_body(client, asset, header):
    response = client.get(url(asset.movie_id), HTTP_RANGE=header)
    assert response.status_code == 200
    assert body(response) == DATA
    assert "Content-Range" not in response


def test_head(client, asset):
    response = client.head(url(asset.movie_id))
    assert response.status_code == 200
    assert response["Content-Length"] == str(SIZE)
    assert response["Accept-Ranges"] == "bytes"
    assert response["ETag"] == asset.etag
    assert response.content == b""

    partial = client.head(url(asset.movie_id), HTTP_RANGE="bytes=10-19")
    assert partial.status_code == 206
    assert partial["Content-Range"] == f"bytes 10-19/{SIZE}"
    assert partial["Content-Length"] == "10"
    assert partial.content == b""

    assert client.head(url(asset.movie_id), HTTP_RANGE="bytes=999999-").status_code == 416


def test_if_range_with_etag(client, asset):
    matching = client.get(url(asset.movie_id), HTTP_RANGE="bytes=5-9", HTTP_IF_RANGE=asset.etag)
    assert matching.status_code == 206
    assert body(matching) == DATA[5:10]

    stale = client.get(url(asset.movie_id), HTTP_RANGE="bytes=5-9", HTTP_IF_RANGE='"an-older-version"')
    assert stale.status_code == 200
    assert body(stale) == DATA

    weak = client.get(url(asset.movie_id), HTTP_RANGE="bytes=5-9", HTTP_IF_RANGE=f"W/{asset.etag}")
    assert weak.status_code == 200


def test_if_range_with_date(client, asset):
    modified = asset.updated_at
    exact = client.get(url(asset.movie_id), HTTP_RANGE="bytes=5-9", HTTP_IF_RANGE=http_date(modified.timestamp()))
    assert exact.status_code == 206
    assert body(exact) == DATA[5:10]

    older = http_date((modified - timedelta(hours=1)).timestamp())
    assert client.get(url(asset.movie_id), HTTP_RANGE="bytes=5-9", HTTP_IF_RANGE=older).status_code == 200
    garbage = client.get(url(asset.movie_id), HTTP_RANGE="bytes=5-9", HTTP_IF_RANGE="yesterday")
    assert garbage.status_code == 200
    assert body(garbage) == DATA


def test_if_range_that_does_not_match_turns_416_into_the_whole_body(client, asset):
    response = client.get(url(asset.movie_id), HTTP_RANGE="bytes=999999-", HTTP_IF_RANGE='"old"')
    assert response.status_code == 200
    assert body(response) == DATA


def test_conditional_get(client, asset):
    not_modified = client.get(url(asset.movie_id), HTTP_IF_NONE_MATCH=asset.etag)
    assert not_modified.status_code == 304
    assert not_modified["ETag"] == asset.etag
    assert client.get(url(asset.movie_id), HTTP_IF_MATCH='"other"').status_code == 412
    assert client.get(url(asset.movie_id), HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_unknown_movie_and_movie_without_video(client, video_backend):
    unknown = client.get(url(987654))
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "No movie with id 987654.", "code": "not_found"}

    movie = MovieFactory()
    no_video = client.get(url(movie.pk))
    assert no_video.status_code == 404
    assert no_video.json()["detail"] == f"Movie {movie.pk} has no video."
    assert client.head(url(movie.pk)).status_code == 404


def test_object_missing_from_storage_is_a_404(client, asset):
    from streaming import storage

    storage.delete_object(asset.key)
    response = client.get(url(asset.movie_id))
    assert response.status_code == 404
    assert "missing from storage" in response.json()["detail"]


def test_unpublished_movie_streams_to_staff_only(client, video_backend):
    asset = store_asset(MovieFactory(is_published=False), DATA)
    assert client.get(url(asset.movie_id)).status_code == 404
    client.force_authenticate(EditorFactory())
    response = client.get(url(asset.movie_id), HTTP_RANGE="bytes=0-9")
    assert response.status_code == 206
    assert body(response) == DATA[:10]
    assert response["Cache-Control"] == "private, no-cache"


def test_metrics_count_bytes_and_close_streams(client, asset):
    sent, active = metrics.STREAM_BYTES._value.get(), metrics.STREAMS_ACTIVE._value.get()
    response = client.get(url(asset.movie_id), HTTP_RANGE="bytes=0-9999")
    assert metrics.STREAMS_ACTIVE._value.get() == active + 1  # open until the body is consumed
    assert len(body(response)) == 10_000
    assert metrics.STREAM_BYTES._value.get() - sent == 10_000
    assert metrics.STREAMS_ACTIVE._value.get() == active

    aborted = metrics.STREAMS_ABORTED._value.get()
    client.get(url(asset.movie_id)).close()  # the client went away before reading
    assert metrics.STREAMS_ACTIVE._value.get() == active
    assert metrics.STREAMS_ABORTED._value.get() == aborted + 1


def test_movie_detail_carries_the_video(client, asset):
    detail = client.get(f"/api/v1/movies/{asset.movie_id}/").json()
    assert detail["video"] == {
        "stream_url": f"http://testserver/api/v1/movies/{asset.movie_id}/stream",
        "size": SIZE,
        "content_type": "video/mp4",
        "duration": 12.5,
        "etag": asset.etag,
    }
    assert client.get(f"/api/v1/movies/{MovieFactory().pk}/").json()["video"] is None


def test_accel_mode_hands_the_transfer_to_nginx(client, asset, settings):
    settings.STREAMING_MODE = "accel"
    settings.STREAMING_ACCEL_PREFIX = "/protected/"
    response = client.get(url(asset.movie_id), HTTP_RANGE="bytes=0-9")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected/{asset.key}"
    assert response["Content-Type"] == "video/mp4"
    assert response.content == b""


def test_redirect_mode(client, asset, settings):
    import requests

    settings.STREAMING_MODE = "redirect"
    response = client.get(url(asset.movie_id))
    if asset.storage_etag:  # S3: a presigned URL that serves ranges itself
        assert response.status_code == 302
        direct = requests.get(response["Location"], headers={"Range": "bytes=10-19"}, timeout=10)
        assert direct.status_code == 206
        assert direct.content == DATA[10:20]
    else:  # the local directory cannot presign: the view proxies
        assert response.status_code == 200
        assert body(response) == DATA


def test_unknown_streaming_mode_fails_the_system_check(settings):
    from streaming.apps import check_streaming_mode

    settings.STREAMING_MODE = "teleport"
    assert [error.id for error in check_streaming_mode(None)] == ["streaming.E001"]
    settings.STREAMING_MODE = "redirect"
    assert check_streaming_mode(None) == []
