"""Seek previews and posters from a real video: made when the video is stored, sprite sheets in storage,
a well-formed WebVTT thumbnails track, hidden with an unpublished movie."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.base import ContentFile
from PIL import Image as PILImage
from rest_framework.test import APIClient

from streaming.media import render_demo_video
from streaming.models import Image, TrickplayTrack
from streaming.selectors import movie_media
from streaming.services import video_asset_delete, video_asset_store
from tests.factories import EditorFactory, MovieFactory

pytestmark = pytest.mark.django_db

CUE = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})$")


@pytest.fixture(scope="module")
def twelve_seconds(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("video") / "twelve.mp4"
    render_demo_video(path, title="Twelve", seconds=12, width=192, height=108, fps=5)
    return path.read_bytes()


def seconds(h, m, s, ms) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def store(movie, data: bytes, capture):
    with capture(execute=True):
        return video_asset_store(movie=movie, file=ContentFile(data, name="../../etc/passwd.mp4"))


def test_storing_a_video_makes_a_poster_and_seek_previews(video_backend, twelve_seconds, settings, django_capture_on_commit_callbacks):
    settings.TRICKPLAY_GRID = 3  # 9 tiles a sheet: 12 frames need two sheets
    movie = MovieFactory()
    asset = store(movie, twelve_seconds, django_capture_on_commit_callbacks)

    poster = Image.objects.get(movie=movie, kind="poster")
    assert poster.source == "video_frame" and (poster.width, poster.height) == (192, 108)
    assert poster.key.startswith("images/poster/") and "passwd" not in poster.key

    track = TrickplayTrack.objects.get(video=asset)
    assert (track.interval, track.frame_count, track.tile_width, track.tile_height) == (1.0, 12, 160, 90)
    assert len(track.sheets) == 2 and all(s["key"].startswith("trickplay/") for s in track.sheets)
    assert movie_media(movie_id=movie.pk)["trickplay_url"] == f"/api/v1/movies/{movie.pk}/trickplay.vtt"

    client = APIClient()
    response = client.get(f"/api/v1/movies/{movie.pk}/trickplay.vtt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/vtt")
    lines = response.content.decode().split("\n")
    assert lines[0] == "WEBVTT" and lines[1] == ""
    cues = [lines[i : i + 3] for i in range(2, len(lines) - 1, 3)]
    assert len(cues) == 12
    previous_end = 0.0
    for index, (timing, target, blank) in enumerate(cues):
        match = CUE.match(timing)
        assert match, timing
        start, end = seconds(*match.groups()[:4]), seconds(*match.groups()[4:])
        assert start == pytest.approx(previous_end) and end > start
        previous_end = end
        sheet, slot = divmod(index, 9)
        url, fragment = target.split("#")
        assert url == f"/api/v1/movies/{movie.pk}/trickplay/{track.pk}/{sheet}.jpg"
        assert fragment == f"xywh={slot % 3 * 160},{slot // 3 * 90},160,90"
        assert blank == ""
    assert previous_end == pytest.approx(12.0, abs=0.2)

    first = client.get(f"/api/v1/movies/{movie.pk}/trickplay/{track.pk}/0.jpg")
    assert first.status_code == 200 and "immutable" in first["Cache-Control"]
    sheet0 = PILImage.open(io.BytesIO(b"".join(first.streaming_content)))
    assert (sheet0.format, sheet0.size) == ("JPEG", (480, 270))
    last = client.get(f"/api/v1/movies/{movie.pk}/trickplay/{track.pk}/1.jpg")
    assert PILImage.open(io.BytesIO(b"".join(last.streaming_content))).size == (480, 90)  # 3 frames: one row
    assert client.get(f"/api/v1/movies/{movie.pk}/trickplay/{track.pk}/2.jpg").status_code == 404
    assert client.get(f"/api/v1/movies/{movie.pk}/trickplay/{track.pk + 1}/0.jpg").status_code == 404


def test_an_editors_poster_is_kept(video_backend, twelve_seconds, django_capture_on_commit_callbacks):
    from tests.streaming.test_images import picture
    from streaming.images import image_store

    movie = MovieFactory()
    with django_capture_on_commit_callbacks(execute=True):
        mine = image_store(kind="poster", data=picture(), movie=movie)
    store(movie, twelve_seconds, django_capture_on_commit_callbacks)
    assert list(Image.objects.filter(movie=movie)) == [mine]


def test_replacing_or_removing_the_video_drops_its_previews(video_backend, twelve_seconds, sample_video, django_capture_on_commit_callbacks):
    movie = MovieFactory()
    asset = store(movie, twelve_seconds, django_capture_on_commit_callbacks)
    old = TrickplayTrack.objects.get(video=asset)
    asset = store(movie, sample_video, django_capture_on_commit_callbacks)
    new = TrickplayTrack.objects.get(video=asset)
    assert new.pk != old.pk and new.frame_count == 2
    assert APIClient().get(f"/api/v1/movies/{movie.pk}/trickplay/{old.pk}/0.jpg").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        video_asset_delete(asset=asset)
    assert not TrickplayTrack.objects.exists()
    assert APIClient().get(f"/api/v1/movies/{movie.pk}/trickplay.vtt").status_code == 404


def test_unpublished_movie_previews_are_staff_only(video_backend, sample_video, django_capture_on_commit_callbacks):
    movie = MovieFactory(is_published=False)
    asset = store(movie, sample_video, django_capture_on_commit_callbacks)
    track = TrickplayTrack.objects.get(video=asset)
    anonymous = APIClient()
    hidden = anonymous.get(f"/api/v1/movies/{movie.pk}/trickplay.vtt")
    missing = anonymous.get("/api/v1/movies/999999/trickplay.vtt")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"].replace(str(movie.pk), "N") == missing.json()["detail"].replace("999999", "N")
    assert anonymous.get(f"/api/v1/movies/{movie.pk}/trickplay/{track.pk}/0.jpg").status_code == 404
    staff = APIClient()
    staff.force_authenticate(EditorFactory())
    response = staff.get(f"/api/v1/movies/{movie.pk}/trickplay.vtt")
    assert response.status_code == 200 and response["Cache-Control"].startswith("private")


def test_demo_videos_get_posters_and_previews(video_backend, capsys, sample_video, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    movie = MovieFactory(title="Demo film")
    older = MovieFactory()
    with django_capture_on_commit_callbacks(execute=False):  # stored while no worker ran
        video_asset_store(movie=older, file=ContentFile(sample_video, name="x.mp4"))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("generate_demo_videos", seconds=3, width=160, height=96, missing_media=True)
    for each in (movie, older):
        assert TrickplayTrack.objects.filter(video__movie=each).exists()
        assert Image.objects.get(movie=each, kind="poster").renditions


def test_files_are_served_whatever_the_client_accepts(video_backend, sample_video, django_capture_on_commit_callbacks):
    movie = MovieFactory()
    store(movie, sample_video, django_capture_on_commit_callbacks)
    track = TrickplayTrack.objects.get(video__movie=movie)
    client = APIClient()
    assert client.get(f"/api/v1/movies/{movie.pk}/trickplay.vtt", HTTP_ACCEPT="text/vtt").status_code == 200
    sheet = client.get(f"/api/v1/movies/{movie.pk}/trickplay/{track.pk}/0.jpg", HTTP_ACCEPT="image/avif,image/webp")
    assert sheet.status_code == 200
    poster = Image.objects.get(movie=movie)
    assert client.get(f"/api/v1/images/{poster.pk}/{poster.renditions[0]['width']}", HTTP_ACCEPT="image/webp").status_code == 200
    missing = client.get("/api/v1/movies/999999/trickplay.vtt", HTTP_ACCEPT="text/vtt")
    assert missing.status_code == 404 and missing.json()["detail"]
