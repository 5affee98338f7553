"""Fixtures of the streaming tests: each storage backend (a real S3 API server, the local directory),
sample videos, and assets stored in them."""

from __future__ import annotations

import random
import uuid
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from core import storage as object_storage
from streaming import storage
from streaming.media import render_demo_video
from streaming.models import VideoAsset

S3_STORAGE = "storages.backends.s3.S3Storage"
FS_STORAGE = "django.core.files.storage.FileSystemStorage"


def use_s3(settings, endpoint: str, *, bucket: str | None = None) -> str:
    """Point the videos storage and the S3 client at `endpoint`, in a fresh bucket; returns the bucket."""
    bucket = bucket or f"videos-{uuid.uuid4().hex[:12]}"
    settings.S3_ENDPOINT_URL = endpoint
    settings.S3_ACCESS_KEY_ID = settings.S3_ACCESS_KEY_ID or "test"
    settings.S3_SECRET_ACCESS_KEY = settings.S3_SECRET_ACCESS_KEY or "test"
    settings.S3_VIDEOS_BUCKET = bucket
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": S3_STORAGE,
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": endpoint,
                "region_name": settings.S3_REGION,
                "access_key": settings.S3_ACCESS_KEY_ID,
                "secret_key": settings.S3_SECRET_ACCESS_KEY,
                "file_overwrite": False,
            },
        },
    }
    object_storage.reset_s3_client()
    object_storage.s3_client().create_bucket(Bucket=bucket)
    return bucket


def use_filesystem(settings, root: Path) -> Path:
    settings.MEDIA_ROOT = root
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": FS_STORAGE, "OPTIONS": {"location": str(root)}}}
    object_storage.reset_s3_client()
    return root


@pytest.fixture(params=["s3", "filesystem"])
def video_backend(request, settings, tmp_path):
    """Each test runs against a real S3 API server and against the local object directory."""
    if request.param == "s3":
        use_s3(settings, request.getfixturevalue("s3_endpoint"))
    else:
        use_filesystem(settings, tmp_path / "objects")
    yield request.param
    object_storage.reset_s3_client()


@pytest.fixture(autouse=True)
def _small_chunks(settings):
    settings.STREAMING_CHUNK_SIZE = 4096  # many chunks per response even for small test objects
    settings.STREAMING_MODE = "proxy"


@pytest.fixture(scope="session")
def sample_video(tmp_path_factory) -> bytes:
    """A real 2-second H.264 MP4."""
    path = tmp_path_factory.mktemp("video") / "sample.mp4"
    render_demo_video(path, title="Sample", seconds=2, width=160, height=96, fps=10)
    return path.read_bytes()


def pattern_bytes(size: int) -> bytes:
    """Random bytes (fixed seed): any shifted or missing byte shows in a comparison."""
    return random.Random(size).randbytes(size)


def store_asset(movie, data: bytes, *, content_type: str = "video/mp4") -> VideoAsset:
    """Put `data` in storage as `movie`'s video (any bytes: the stream view serves what storage holds)."""
    import hashlib

    key = f"videos/{movie.pk}/{uuid.uuid4().hex}.mp4"
    stored = storage.save_object(key=key, content=ContentFile(data, name="x.mp4"), content_type=content_type)
    return VideoAsset.objects.create(
        movie=movie,
        key=key,
        size=stored.size,
        content_type=content_type,
        sha256=hashlib.sha256(data).hexdigest(),
        storage_etag=stored.storage_etag,
        duration=12.5,
    )


def store_media(movie) -> tuple:
    """A poster (stored as uploaded, no renditions yet: served at its own width) and a one-sheet seek
    preview track for `movie`, which must have a video; (image, track)."""
    import io

    from PIL import Image as PILImage

    from streaming.images import image_store
    from streaming.models import TrickplayTrack

    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 36), (200, 40, 40)).save(buffer, format="PNG")
    image = image_store(kind="poster", data=buffer.getvalue(), movie=movie)
    sheet = io.BytesIO()
    PILImage.new("RGB", (160, 90), (40, 40, 200)).save(sheet, format="JPEG")
    key = f"trickplay/{uuid.uuid4().hex}/0.jpg"
    stored = storage.save_object(key=key, content=ContentFile(sheet.getvalue(), name="0.jpg"), content_type="image/jpeg")
    track = TrickplayTrack.objects.create(
        video=movie.video, video_sha256=movie.video.sha256, interval=10, tile_width=160, tile_height=90,
        columns=1, rows=1, frame_count=1, sheets=[{"key": key, "size": stored.size}],
    )
    return image, track
