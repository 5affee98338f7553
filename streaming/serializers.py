"""How a movie's video appears in the catalog API (the `video` field of a movie's detail)."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from streaming.models import VideoAsset


class VideoSummarySerializer(serializers.Serializer):
    stream_url = serializers.CharField(help_text="GET/HEAD with byte ranges.")
    size = serializers.IntegerField(help_text="Bytes.")
    content_type = serializers.CharField()
    duration = serializers.FloatField(allow_null=True, help_text="Seconds.")
    etag = serializers.CharField(help_text="The stream's entity tag (changes when the video is replaced).")


def movie_video(movie) -> VideoAsset | None:
    """The movie's video, or None (reads the `video` relation: select it with the movie)."""
    try:
        return movie.video
    except VideoAsset.DoesNotExist:
        return None


def video_summary(movie, *, request=None) -> dict | None:
    asset = movie_video(movie)
    if asset is None:
        return None
    url = reverse("v1:movie-stream", args=[movie.pk])
    return VideoSummarySerializer(
        {
            "stream_url": request.build_absolute_uri(url) if request is not None else url,
            "size": asset.size,
            "content_type": asset.content_type,
            "duration": asset.duration,
            "etag": asset.etag,
        }
    ).data
