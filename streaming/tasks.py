"""Celery tasks of the streaming app: image renditions, and the poster and seek previews of a stored video."""

from __future__ import annotations

from django.db import OperationalError

from core.exceptions import StorageUnavailable
from core.tasks import durable_task


@durable_task("streaming.render_image", retry_on=(StorageUnavailable, OperationalError), backoff=10, max_backoff=300, max_retries=5)
def render_image(image_id: int) -> None:
    """Make the image's missing WebP renditions (safe to run twice)."""
    from streaming.images import image_render

    image_render(image_id=image_id)


@durable_task("streaming.derive_video_media", retry_on=(StorageUnavailable, OperationalError), backoff=30, max_backoff=600)
def derive_video_media(video_id: int, sha256: str) -> None:
    """The poster (when the movie has none) and the seek previews of one stored video."""
    from streaming.services import video_media_derive

    video_media_derive(video_id=video_id, sha256=sha256)
