"""Celery tasks of the streaming app: image renditions, and the poster and seek previews of a stored video."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from core.exceptions import StorageUnavailable


@shared_task(
    name="streaming.render_image",
    autoretry_for=(StorageUnavailable, OperationalError),
    retry_backoff=10,
    retry_backoff_max=300,
    max_retries=5,
    acks_late=True,
)
def render_image(image_id: int) -> None:
    """Make the image's missing WebP renditions (safe to run twice)."""
    from streaming.images import image_render

    image_render(image_id=image_id)


@shared_task(
    name="streaming.derive_video_media",
    autoretry_for=(StorageUnavailable, OperationalError),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=3,
    acks_late=True,
)
def derive_video_media(video_id: int, sha256: str) -> None:
    """The poster (when the movie has none) and the seek previews of one stored video."""
    from streaming.services import video_media_derive

    video_media_derive(video_id=video_id, sha256=sha256)
