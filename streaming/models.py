"""A movie's video: one object in the videos bucket (or the local object directory) and what we know of it."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class VideoAsset(models.Model):
    """The video of one movie. The object key is made by the server; objects are never rewritten in
    place (a replacement gets a new key), so the checksum is a stable validator for the stream URL."""

    movie = models.OneToOneField("catalog.Movie", on_delete=models.PROTECT, related_name="video")
    key = models.CharField("storage key", max_length=512, unique=True, editable=False)
    size = models.BigIntegerField("size (bytes)", editable=False)
    content_type = models.CharField(max_length=100, editable=False)
    sha256 = models.CharField("SHA-256", max_length=64, editable=False)
    storage_etag = models.CharField(
        "storage ETag", max_length=128, blank=True, editable=False, help_text="As object storage reports it (S3 only)."
    )
    duration = models.FloatField("duration (s)", null=True, blank=True, editable=False)
    width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    original_filename = models.CharField(
        max_length=255, blank=True, editable=False, help_text="The uploaded file's name, for editors only: never used as a key."
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "video"
        ordering = ["movie__title", "id"]

    def __str__(self) -> str:
        return f"Video of {self.movie}"

    @property
    def etag(self) -> str:
        """The strong HTTP entity tag of the stream (quoted)."""
        return f'"{self.sha256[:32]}"'
