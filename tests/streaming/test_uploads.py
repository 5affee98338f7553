"""Editors upload, replace and remove videos in the admin; the demo command; both storage backends."""

from __future__ import annotations

import hashlib
import re
import struct

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from catalog.models import Movie
from core.permissions import EDITORS_GROUP
from streaming import storage
from streaming.media import probe_video
from streaming.models import VideoAsset
from streaming.services import VideoRejected, video_asset_delete, video_asset_store
from tests.factories import EditorFactory, MovieFactory, UserFactory

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/streaming/videoasset/add/"


@pytest.fixture
def editor_browser() -> Client:
    client = Client()
    client.force_login(EditorFactory())
    return client


def stored_bytes(key: str) -> bytes:
    with default_storage.open(key, "rb") as handle:
        return handle.read()


def stored_keys(movie: Movie) -> list[str]:
    try:
        _, files = default_storage.listdir(f"videos/{movie.pk}")
    except FileNotFoundError:  # the local directory of a movie that never had a file
        return []
    return sorted(f"videos/{movie.pk}/{name}" for name in files)


def test_editors_may_manage_videos():
    codenames = set(Group.objects.get(name=EDITORS_GROUP).permissions.filter(content_type__app_label="streaming").values_list("codename", flat=True))
    assert codenames == {"view_videoasset", "add_videoasset", "change_videoasset", "delete_videoasset"}


def test_admin_upload(video_backend, editor_browser, sample_video):
    movie = MovieFactory()
    upload = SimpleUploadedFile("../../etc/passwd my film.mp4", sample_video, content_type="application/x-evil")
    response = editor_browser.post(ADD_URL, {"movie": movie.pk, "file": upload})
    assert response.status_code == 302, response.content.decode()[:2000]

    asset = VideoAsset.objects.get(movie=movie)
    assert re.fullmatch(rf"videos/{movie.pk}/[0-9a-f]{{32}}\.mp4", asset.key)  # made by the server
    assert asset.size == len(sample_video)
    assert asset.content_type == "video/mp4"  # from the file itself, not the client's claim
    assert asset.sha256 == hashlib.sha256(sample_video).hexdigest()
    assert asset.duration == pytest.approx(2.0, abs=0.2)
    assert (asset.width, asset.height) == (160, 96)
    assert asset.original_filename == "passwd my film.mp4"
    assert stored_bytes(asset.key) == sample_video
    if video_backend == "s3":
        assert asset.storage_etag == hashlib.md5(sample_video).hexdigest()

    page = editor_browser.get(f"/admin/streaming/videoasset/{asset.pk}/change/")
    assert page.status_code == 200
    assert f'src="/api/v1/movies/{movie.pk}/stream"' in page.content.decode()
    assert editor_browser.get("/admin/streaming/videoasset/").status_code == 200


def test_admin_rejects_a_file_that_is_not_a_video(video_backend, editor_browser):
    movie = MovieFactory()
    upload = SimpleUploadedFile("film.mp4", b"just some text, not a video" * 100, content_type="video/mp4")
    response = editor_browser.post(ADD_URL, {"movie": movie.pk, "file": upload})
    assert response.status_code == 200
    assert "not a readable video" in response.content.decode()
    assert not VideoAsset.objects.exists()
    assert stored_keys(movie) == []


def test_viewers_cannot_upload(video_backend, sample_video):
    client = Client()
    client.force_login(UserFactory(is_staff=False))
    movie = MovieFactory()
    response = client.post(ADD_URL, {"movie": movie.pk, "file": SimpleUploadedFile("a.mp4", sample_video)})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not VideoAsset.objects.exists()


def test_replace_keeps_one_object(video_backend, editor_browser, sample_video, django_capture_on_commit_callbacks):
    movie = MovieFactory()
    first = video_asset_store(movie=movie, file=ContentFile(sample_video, name="a.mp4"))
    replacement = sample_video + _free_box(1000)  # a different file that is still a valid MP4
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_browser.post(
            f"/admin/streaming/videoasset/{first.pk}/change/", {"file": SimpleUploadedFile("b.mp4", replacement)}
        )
    assert response.status_code == 302
    asset = VideoAsset.objects.get(movie=movie)
    assert asset.pk == first.pk and asset.key != first.key
    assert asset.size == len(replacement)
    assert stored_keys(movie) == [asset.key]  # the old object is gone
    assert stored_bytes(asset.key) == replacement


def test_remove_deletes_the_object(video_backend, editor_browser, sample_video, django_capture_on_commit_callbacks):
    movie = MovieFactory()
    asset = video_asset_store(movie=movie, file=ContentFile(sample_video, name="a.mp4"))
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_browser.post(f"/admin/streaming/videoasset/{asset.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not VideoAsset.objects.exists()
    assert stored_keys(movie) == []


def test_service_rejects_non_video(video_backend):
    movie = MovieFactory()
    with pytest.raises(VideoRejected):
        video_asset_store(movie=movie, file=ContentFile(b"\x00" * 5000, name="x.mp4"))
    assert not VideoAsset.objects.exists()


def test_failed_row_write_leaves_no_object(video_backend, sample_video):
    movie = MovieFactory()
    other = MovieFactory()
    video_asset_store(movie=other, file=ContentFile(sample_video, name="a.mp4"))
    Movie.objects.filter(pk=movie.pk).delete()  # the movie vanishes between the form and the save
    with pytest.raises(VideoRejected, match="no longer exists"):
        video_asset_store(movie=movie, file=ContentFile(sample_video, name="a.mp4"))
    assert stored_keys(movie) == []


def _free_box(size: int) -> bytes:
    """An MP4 `free` box: padding any MP4 reader skips, so the file stays a valid video."""
    return struct.pack(">I4s", size + 8, b"free") + b"\x00" * size


def test_large_upload_goes_through_a_temporary_file_and_s3_multipart(settings, s3_endpoint, sample_video, editor_browser):
    from boto3.s3.transfer import TransferConfig

    from tests.streaming.conftest import use_s3

    use_s3(settings, s3_endpoint)
    settings.STORAGES["default"]["OPTIONS"]["transfer_config"] = TransferConfig(
        multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024
    )
    settings.STORAGES = dict(settings.STORAGES)  # reload the storage with that option
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024  # anything bigger is spooled to disk
    big = sample_video + _free_box(11 * 1024 * 1024)
    assert probe_video(ContentFile(big)).content_type == "video/mp4"

    movie = MovieFactory()
    response = editor_browser.post(ADD_URL, {"movie": movie.pk, "file": SimpleUploadedFile("big.mp4", big)})
    assert response.status_code == 302
    asset = VideoAsset.objects.get(movie=movie)
    assert asset.size == len(big)
    assert asset.storage_etag.endswith("-3")  # three parts of at most 5 MiB
    head = storage.s3_client().head_object(Bucket=settings.S3_VIDEOS_BUCKET, Key=asset.key)
    assert head["ContentLength"] == len(big) and head["ContentType"] == "video/mp4"


def test_generate_demo_videos(video_backend, capsys, sample_video, django_assert_max_num_queries):
    movies = [MovieFactory(title=f"Demo film {i}") for i in range(3)]
    already = video_asset_store(movie=MovieFactory(), file=ContentFile(sample_video, name="x.mp4"))

    call_command("generate_demo_videos", seconds=3, width=160, height=96)
    assert "3 video(s) created" in capsys.readouterr().out
    for movie in movies:
        asset = VideoAsset.objects.get(movie=movie)
        assert asset.content_type == "video/mp4" and asset.duration == pytest.approx(3.0, abs=0.3)
        head = stored_bytes(asset.key)[:64]
        assert head[4:8] == b"ftyp" and b"moov" in head  # faststart: the index comes first
    assert VideoAsset.objects.get(pk=already.pk).key == already.key

    # The second run renders nothing: it only looks for movies without a video (and counts).
    with django_assert_max_num_queries(2):
        call_command("generate_demo_videos", seconds=3, width=160, height=96)
    assert "0 video(s) created" in capsys.readouterr().out


def test_generate_demo_videos_refuses_bad_options(video_backend):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="even"):
        call_command("generate_demo_videos", width=161)


def test_delete_service_removes_row_then_object(video_backend, sample_video, django_capture_on_commit_callbacks):
    movie = MovieFactory()
    asset = video_asset_store(movie=movie, file=ContentFile(sample_video, name="a.mp4"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        video_asset_delete(asset=asset)
    assert stored_keys(movie) == [asset.key]  # not before the commit
    for callback in callbacks:
        callback()
    assert stored_keys(movie) == []
