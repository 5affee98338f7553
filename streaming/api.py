"""GET/HEAD /api/v1/movies/<id>/stream: a movie's video with HTTP range semantics (RFC 9110).

Modes (settings.STREAMING_MODE): "proxy" streams the bytes from storage in chunks; "redirect"
answers 302 to a short-lived presigned S3 URL; "accel" lets nginx send the object (X-Accel-Redirect).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from streaming import metrics, storage
from streaming.models import VideoAsset
from streaming.ranges import ByteRange, RangeNotSatisfiable, if_range_allows_partial, parse_range
from streaming.selectors import VideoNotFound, streamable_asset

logger = logging.getLogger(__name__)

MODES = ("proxy", "redirect", "accel")


class ObjectStream:
    """The WSGI body of a stream: reads the storage body chunk by chunk and closes it when done.

    The WSGI server calls close() on every path (end of body, client gone, error), and Django's
    StreamingHttpResponse passes that on to us, so the storage connection is never left open.
    """

    # The first read is small so the first bytes leave at once (a read returns only when it is full).
    FIRST_CHUNK = 32 * 1024

    def __init__(self, body: storage.ObjectBody, *, length: int, chunk_size: int):
        self._body = body
        self._remaining = length
        self._chunk_size = chunk_size
        self._next_size = min(self.FIRST_CHUNK, chunk_size)
        self._closed = False
        metrics.STREAMS_ACTIVE.inc()

    def __iter__(self):
        return self

    def __next__(self) -> bytes:
        if self._remaining <= 0 or self._closed:
            self.close()
            raise StopIteration
        try:
            chunk = self._body.read(min(self._next_size, self._remaining))
            self._next_size = self._chunk_size
        except Exception:
            # Headers are out: all we can do is cut the body short, which the client sees as an
            # incomplete response (and a player retries with a Range).
            logger.exception("storage read failed mid-stream")
            self.close()
            raise
        if not chunk:
            self.close()
            raise StopIteration
        self._remaining -= len(chunk)
        metrics.STREAM_BYTES.inc(len(chunk))
        return chunk

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._remaining > 0:
            metrics.STREAMS_ABORTED.inc()
        try:
            self._body.close()
        finally:
            metrics.STREAMS_ACTIVE.dec()


def _validators(response: HttpResponse, asset: VideoAsset, *, private: bool) -> HttpResponse:
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = asset.etag
    response["Last-Modified"] = http_date(int(asset.updated_at.timestamp()))
    # Published videos may be cached by anyone and revalidated by ETag; unpublished ones are staff-only.
    response["Cache-Control"] = "private, no-cache" if private else "public, max-age=300"
    return response


# Bodies longer than this may take a while to send (a player's open-ended "bytes=0-" lasts the whole
# film): give the thread's database connection back first. Shorter ones keep it for the next request.
LONG_BODY = 8 * 1024 * 1024


def _release_database_connection() -> None:
    if not connection.in_atomic_block:
        connection.close()


@extend_schema(
    summary="A movie's video, with byte ranges",
    description="Serves the bytes with RFC 9110 range semantics: `Range: bytes=a-b`, `bytes=a-`, `bytes=-n` "
    "(206), 416 when no byte is selected, `If-Range`, `ETag`, `Last-Modified`. Several ranges get the whole body.",
    parameters=[OpenApiParameter("Range", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False)],
    responses={
        (200, "video/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The whole video."),
        (206, "video/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The requested byte range."),
        302: OpenApiResponse(description="Redirect to a short-lived storage URL (redirect mode)."),
        404: OpenApiResponse(description="No such movie, or it has no video."),
        416: OpenApiResponse(description="The range selects no byte; `Content-Range: bytes */size`."),
        503: OpenApiResponse(description="Object storage is unreachable."),
    },
)
class MovieStreamView(APIView):
    permission_classes = [AllowAny]
    throttle_classes: list = []  # a player sends many range requests per minute

    def get(self, request, movie_id: int):
        return self._answer(request, movie_id, head=False)

    def head(self, request, movie_id: int):
        return self._answer(request, movie_id, head=True)

    def _answer(self, request, movie_id: int, *, head: bool):
        asset = streamable_asset(movie_id=movie_id, user=request.user)
        private = not asset.movie.is_published
        mode = settings.STREAMING_MODE
        response = self._respond(request, asset, head=head, private=private, mode=mode)
        metrics.STREAM_RESPONSES.labels(status=str(response.status_code), mode=mode).inc()
        return response

    def _respond(self, request, asset: VideoAsset, *, head: bool, private: bool, mode: str):
        timestamp = int(asset.updated_at.timestamp())
        not_modified = get_conditional_response(request, etag=asset.etag, last_modified=timestamp)
        if not_modified is not None:  # 304 or 412
            return _validators(not_modified, asset, private=private)

        if mode == "accel":
            response = HttpResponse(content_type=asset.content_type)
            response["X-Accel-Redirect"] = settings.STREAMING_ACCEL_PREFIX.rstrip("/") + "/" + asset.key
            return _validators(response, asset, private=private)
        if mode == "redirect":
            url = storage.presigned_url(asset.key, content_type=asset.content_type, expires=settings.STREAMING_URL_EXPIRES)
            if url is not None:  # local storage cannot presign: fall through to proxying
                response = HttpResponseRedirect(url)
                response["Cache-Control"] = "private, no-store"
                return response

        byte_range: ByteRange | None
        try:
            byte_range = parse_range(request.headers.get("Range"), asset.size)
        except RangeNotSatisfiable as exc:
            if if_range_allows_partial(request.headers.get("If-Range"), etag=asset.etag, last_modified=asset.updated_at):
                response = HttpResponse(status=416, content_type="text/plain")
                response["Content-Range"] = exc.content_range
                response["Content-Length"] = "0"
                return _validators(response, asset, private=private)
            byte_range = None
        if byte_range is not None and not if_range_allows_partial(
            request.headers.get("If-Range"), etag=asset.etag, last_modified=asset.updated_at
        ):
            byte_range = None
        start, end = (byte_range.start, byte_range.end) if byte_range else (0, asset.size - 1)
        length = end - start + 1

        if head or length <= 0:
            response = HttpResponse(status=206 if byte_range else 200, content_type=asset.content_type)
        else:
            try:
                body = storage.open_range(asset.key, start, end)
            except storage.ObjectMissing:
                logger.error("video object %s of movie %s is missing from storage", asset.key, asset.movie_id)
                raise VideoNotFound(f"The video of movie {asset.movie_id} is missing from storage.") from None
            if length > LONG_BODY:
                _release_database_connection()
            response = StreamingHttpResponse(
                ObjectStream(body, length=length, chunk_size=settings.STREAMING_CHUNK_SIZE),
                status=206 if byte_range else 200,
                content_type=asset.content_type,
            )
        response["Content-Length"] = str(max(length, 0))
        if byte_range:
            response["Content-Range"] = byte_range.content_range
        return _validators(response, asset, private=private)
