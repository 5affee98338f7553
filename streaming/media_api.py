"""Images and seek previews over HTTP: /api/v1/images/<id>/<width>, /api/v1/movies/<id>/trickplay.vtt and
its sprite sheets. Clients name ids and widths, never storage keys; objects are streamed from storage.

Image and sheet URLs never change meaning (a replacement gets a new id), so published ones are cached
as immutable; the track's URL is stable, so it is revalidated by its ETag.
"""

from __future__ import annotations

import logging

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from streaming import storage
from streaming.api import ObjectStream
from streaming.selectors import MediaNotFound, servable_image, visible_trickplay
from streaming.trickplay import webvtt

logger = logging.getLogger(__name__)


class AnyAccept(BaseContentNegotiation):
    """These views answer with files, not rendered data: a client's `Accept: text/vtt` or `image/webp`
    must not be refused by DRF's negotiation (406); errors still render as JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


IMMUTABLE = "public, max-age=31536000, immutable"
PRIVATE = "private, no-cache"


def _conditional(request, *, etag: str, cache_control: str, respond):
    """304 when the client holds `etag`, else `respond()`; either way with the validators and caching rule."""
    response = get_conditional_response(request, etag=etag) or respond()
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _stream_object(request, *, key: str, size: int, content_type: str, etag: str, cache_control: str):
    def respond():
        try:
            body = storage.open_range(key, 0, size - 1)
        except storage.ObjectMissing:
            logger.error("media object %s is missing from storage", key)
            raise MediaNotFound("The file is missing from storage.") from None
        response = StreamingHttpResponse(ObjectStream(body, length=size, chunk_size=64 * 1024), content_type=content_type)
        response["Content-Length"] = str(size)
        return response

    return _conditional(request, etag=etag, cache_control=cache_control, respond=respond)


class MediaFileView(APIView):
    """A public file endpoint: visibility is the selectors' (404 for what the caller may not see), no
    throttle (browsers fetch many images at once), any `Accept`."""

    permission_classes = [AllowAny]
    throttle_classes: list = []
    content_negotiation_class = AnyAccept


class ImageView(MediaFileView):
    @extend_schema(
        operation_id="image_retrieve",
        summary="An image (poster, backdrop, photo) at one of its widths",
        description="The widths are those listed with the image in the movie or person (`{url, width}`): WebP "
        "renditions, or the original until they are made. Published images are immutable.",
        responses={
            (200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY),
            404: OpenApiResponse(description="No such image or width (or its movie is not published)."),
        },
    )
    def get(self, request, image_id: int, width: int):
        image, obj = servable_image(image_id=image_id, width=width, user=request.user)
        private = image.movie_id is not None and not image.movie.is_published
        return _stream_object(
            request,
            key=obj["key"],
            size=obj["size"],
            content_type=obj["content_type"],
            etag=f'"{image.sha256[:24]}-{width}"',
            cache_control=PRIVATE if private else IMMUTABLE,
        )


class TrickplayTrackView(MediaFileView):
    @extend_schema(
        operation_id="movie_trickplay_track",
        summary="A movie's seek previews (WebVTT thumbnails track)",
        description="One cue per preview frame; each cue's text is a sprite sheet URL with a `#xywh=x,y,w,h` fragment.",
        responses={(200, "text/vtt"): OpenApiResponse(OpenApiTypes.STR), 404: OpenApiResponse(description="No such movie or no previews.")},
    )
    def get(self, request, movie_id: int):
        track = visible_trickplay(movie_id=movie_id, user=request.user)

        def respond():
            text = webvtt(
                track,
                sheet_url=lambda n: reverse("v1:movie-trickplay-sheet", args=[movie_id, track.pk, n]),
                duration=track.video.duration,
            )
            return HttpResponse(text, content_type="text/vtt; charset=utf-8")

        return _conditional(
            request,
            etag=f'"{track.video_sha256[:24]}-{track.pk}"',
            cache_control=PRIVATE if not track.video.movie.is_published else "public, max-age=300",
            respond=respond,
        )


class TrickplaySheetView(MediaFileView):
    @extend_schema(
        operation_id="movie_trickplay_sheet",
        summary="One sprite sheet of a movie's seek previews",
        responses={(200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY), 404: OpenApiResponse(description="No such sheet.")},
    )
    def get(self, request, movie_id: int, track_id: int, sheet: int):
        track = visible_trickplay(movie_id=movie_id, user=request.user)
        if track.pk != track_id or sheet >= len(track.sheets):
            raise MediaNotFound(f"No such seek-preview sheet for movie {movie_id}.")
        obj = track.sheets[sheet]
        return _stream_object(
            request,
            key=obj["key"],
            size=obj["size"],
            content_type="image/jpeg",
            etag=f'"{track.video_sha256[:24]}-{track.pk}-{sheet}"',
            cache_control=PRIVATE if not track.video.movie.is_published else IMMUTABLE,
        )
