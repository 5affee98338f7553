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


class ImageKind(models.TextChoices):
    POSTER = "poster", "poster"
    BACKDROP = "backdrop", "backdrop"
    PHOTO = "photo", "photo"


class ImageSource(models.TextChoices):
    UPLOAD = "upload", "uploaded by an editor"
    VIDEO_FRAME = "video_frame", "frame of the movie's video"
    CMS = "cms", "CMS document"


class Image(models.Model):
    """A movie's poster or backdrop, or a person's photo: the original in object storage under a key the
    server made, and its WebP renditions (`[{width, key, size}]`, made by a task, widest last)."""

    movie = models.ForeignKey("catalog.Movie", null=True, blank=True, on_delete=models.CASCADE, related_name="images")
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="images")
    kind = models.CharField(max_length=16, choices=ImageKind.choices)
    key = models.CharField("storage key", max_length=512, unique=True, editable=False)
    size = models.PositiveIntegerField("size (bytes)", editable=False)
    content_type = models.CharField(max_length=50, editable=False)
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    sha256 = models.CharField("SHA-256", max_length=64, editable=False)
    renditions = models.JSONField(default=list, blank=True, editable=False)
    source = models.CharField(max_length=16, choices=ImageSource.choices, default=ImageSource.UPLOAD, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                name="image_has_one_owner",
                condition=(models.Q(movie__isnull=False, person__isnull=True) | models.Q(movie__isnull=True, person__isnull=False)),
            ),
            models.CheckConstraint(
                name="image_kind_fits_owner",
                condition=(models.Q(movie__isnull=True) | models.Q(kind__in=["poster", "backdrop"]))
                & (models.Q(person__isnull=True) | models.Q(kind="photo")),
            ),
            models.UniqueConstraint(fields=["movie", "kind"], name="one_image_per_movie_kind"),
            models.UniqueConstraint(fields=["person", "kind"], name="one_image_per_person_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.movie or self.person}"

    @property
    def etag(self) -> str:
        return f'"{self.sha256[:32]}"'


class TrickplayTrack(models.Model):
    """Seek previews of one video: sprite sheets of `columns` x `rows` tiles, one frame every `interval`
    seconds (Jellyfin 10.9's trickplay); the WebVTT track is written from these numbers when asked."""

    video = models.OneToOneField(VideoAsset, on_delete=models.CASCADE, related_name="trickplay")
    video_sha256 = models.CharField(max_length=64, editable=False, help_text="The video these frames were taken from.")
    interval = models.FloatField("interval (s)")
    tile_width = models.PositiveIntegerField()
    tile_height = models.PositiveIntegerField()
    columns = models.PositiveIntegerField()
    rows = models.PositiveIntegerField()
    frame_count = models.PositiveIntegerField()
    sheets = models.JSONField(default=list, help_text="[{key, size}] in order; keys made by the server.")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Seek previews of {self.video}"
