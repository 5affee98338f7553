"""Posters, backdrops and photos: bad files refused, WebP renditions made in storage (real S3 server and
the local directory), served by id and width with caching headers, hidden with an unpublished movie."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from rest_framework.test import APIClient

from catalog.models import Movie
from streaming.images import ImageRejected, check_image, image_delete, image_store
from streaming.models import Image
from streaming.selectors import movie_media, movie_poster_columns, movie_poster_of, person_photo
from tests.factories import EditorFactory, MovieFactory, PersonFactory

pytestmark = pytest.mark.django_db


def picture(width: int = 900, height: int = 1350, *, fmt: str = "PNG", mode: str = "RGB") -> bytes:
    image = PILImage.new(mode, (width, height), "teal" if mode == "RGB" else 0)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def stored(key: str) -> bytes:
    with default_storage.open(key, "rb") as handle:
        return handle.read()


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty"),
        (b"<html>not an image</html>", "not a readable image"),
        (picture(fmt="JPEG")[:-400], "not a readable image"),  # truncated: only a full decode notices
        (picture(fmt="GIF"), "JPEG, PNG or WebP"),
    ],
)
def test_bad_files_are_refused(data, reason):
    with pytest.raises(ImageRejected, match=reason):
        check_image(data)


def test_too_large_file_is_refused(settings):
    settings.IMAGE_MAX_BYTES = 1000
    with pytest.raises(ImageRejected, match="larger than"):
        check_image(picture())


def test_decompression_bomb_is_refused(settings, monkeypatch):
    bomb = picture(8_000, 8_000, mode="1")  # a few kB of PNG, 64 megapixels once decoded
    assert len(bomb) < 100_000
    with pytest.raises(ImageRejected, match="pixels"):
        check_image(bomb)
    with pytest.raises(ImageRejected, match="too large once decoded"):  # past Pillow's MAX_IMAGE_PIXELS
        check_image(picture(12_000, 12_000, mode="1"))
    # Pillow's own guard catches it too when our limit is generous.
    settings.IMAGE_MAX_PIXELS = 10**12
    monkeypatch.setattr(PILImage, "MAX_IMAGE_PIXELS", 1_000_000)
    with pytest.raises(ImageRejected, match="too large once decoded"):
        check_image(bomb)


def test_a_good_image_is_accepted():
    checked = check_image(picture(fmt="JPEG"))
    assert (checked.content_type, checked.width, checked.height) == ("image/jpeg", 900, 1350)


def test_poster_stored_with_webp_renditions(video_backend, django_capture_on_commit_callbacks, settings):
    movie = MovieFactory()
    with django_capture_on_commit_callbacks(execute=True):
        image = image_store(kind="poster", data=picture(), movie=movie)
    image.refresh_from_db()
    assert image.key.startswith("images/poster/") and image.key.endswith("/original.png")
    assert stored(image.key) == picture()
    assert [r["width"] for r in image.renditions] == [160, 320, 640]  # narrower than the 900 px original
    for rendition in image.renditions:
        with PILImage.open(io.BytesIO(stored(rendition["key"]))) as thumbnail:
            assert thumbnail.format == "WEBP"
            assert thumbnail.size == (rendition["width"], round(1350 * rendition["width"] / 900))
    media = movie_media(movie_id=movie.pk)
    assert media["poster"] == [{"url": f"/api/v1/images/{image.pk}/{w}", "width": w} for w in (160, 320, 640)]
    assert media["backdrop"] == [] and media["trickplay_url"] is None
    listed = Movie.objects.annotate(**movie_poster_columns()).order_by("pk")
    assert [movie_poster_of(m) for m in listed] == [media["poster"]] + [[] for _ in listed[1:]]


def test_replacing_an_image_removes_the_old_objects(video_backend, django_capture_on_commit_callbacks):
    person = PersonFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = image_store(kind="photo", data=picture(400, 500), person=person)
    first.refresh_from_db()
    old_keys = [first.key] + [r["key"] for r in first.renditions]
    with django_capture_on_commit_callbacks(execute=True):
        second = image_store(kind="photo", data=picture(300, 300, fmt="WEBP"), person=person)
    assert list(Image.objects.filter(person=person)) == [second]
    assert not any(default_storage.exists(key) for key in old_keys)
    assert person_photo(person_id=person.pk)[0]["url"].startswith(f"/api/v1/images/{second.pk}/")
    with django_capture_on_commit_callbacks(execute=True):
        image_delete(image=second)
    assert not default_storage.exists(second.key)


def test_kind_must_fit_the_owner():
    with pytest.raises(ImageRejected):
        image_store(kind="photo", data=picture(), movie=MovieFactory())


def test_image_served_by_id_and_width_with_caching(video_backend, django_capture_on_commit_callbacks):
    movie = MovieFactory()
    with django_capture_on_commit_callbacks(execute=True):
        image = image_store(kind="backdrop", data=picture(1600, 900, fmt="JPEG"), movie=movie)
    client = APIClient()
    response = client.get(f"/api/v1/images/{image.pk}/640")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert "immutable" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert PILImage.open(io.BytesIO(body)).size == (640, 360)
    again = client.get(f"/api/v1/images/{image.pk}/640", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    original = client.get(f"/api/v1/images/{image.pk}/1600")
    assert original.status_code == 200 and original["Content-Type"] == "image/jpeg"
    missing = client.get(f"/api/v1/images/{image.pk}/500")
    assert missing.status_code == 404 and "detail" in missing.json()


def test_unpublished_movie_images_are_hidden(video_backend, django_capture_on_commit_callbacks):
    movie = MovieFactory(is_published=False)
    with django_capture_on_commit_callbacks(execute=True):
        image = image_store(kind="poster", data=picture(), movie=movie)
    anonymous = APIClient().get(f"/api/v1/images/{image.pk}/160")
    nothing = APIClient().get(f"/api/v1/images/{image.pk + 999}/160")
    assert anonymous.status_code == nothing.status_code == 404
    assert anonymous.json()["detail"].replace(str(image.pk), "N") == nothing.json()["detail"].replace(str(image.pk + 999), "N")
    staff = APIClient()
    staff.force_authenticate(EditorFactory())
    response = staff.get(f"/api/v1/images/{image.pk}/160")
    assert response.status_code == 200 and response["Cache-Control"].startswith("private")
