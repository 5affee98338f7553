"""Writes of video assets: store an uploaded file as a movie's video (new or replacement), remove it,
and derive its poster and seek previews (by a task once it is stored).

The object goes to storage first and the row is written after; the object a row no longer names
is deleted only once the transaction has committed. A failure at any step leaves the previous video
playing and no stray object behind.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import uuid

import av

from django.core.files import File
from django.db import transaction

from catalog.models import Movie
from core.exceptions import DomainError, StorageUnavailable
from streaming import storage
from streaming.images import poster_from_video
from streaming.media import InvalidVideo, VideoInfo, probe_video
from streaming.models import TrickplayTrack, VideoAsset
from streaming.trickplay import trickplay_delete_objects, trickplay_generate

logger = logging.getLogger(__name__)

_HASH_CHUNK = 1024 * 1024


class VideoRejected(DomainError):
    """The uploaded file is not a video we can serve."""

    code = "invalid_video"


def video_key(*, movie: Movie, extension: str) -> str:
    """A fresh storage key for a video of `movie`: nothing of it comes from the client."""
    return f"videos/{movie.pk}/{uuid.uuid4().hex}{extension}"


def _sha256(file: File) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(_HASH_CHUNK), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def video_asset_store(*, movie: Movie, file: File, uploaded_by=None, info: VideoInfo | None = None) -> VideoAsset:
    """Make `file` the video of `movie`, replacing any previous one; returns the saved asset.

    `file` is read in chunks (Django's temporary upload file for large uploads); `info` is the
    probe's result when the caller already has it (the admin form probes while validating).
    """
    if info is None:
        try:
            info = probe_video(file)
        except InvalidVideo as exc:
            raise VideoRejected(str(exc)) from exc
    checksum = _sha256(file)
    key = video_key(movie=movie, extension=info.extension)
    stored = storage.save_object(key=key, content=file, content_type=info.content_type)
    try:
        with transaction.atomic():
            # Lock the movie: concurrent uploads for one movie take turns, and a deleted movie is noticed here.
            if not Movie.objects.select_for_update().filter(pk=movie.pk).exists():
                raise VideoRejected(f"Movie {movie.pk} no longer exists.")
            previous = VideoAsset.objects.filter(movie=movie).first()
            asset = previous or VideoAsset(movie=movie)
            old_key = previous.key if previous else None
            asset.key = key
            asset.size = stored.size
            asset.content_type = info.content_type
            asset.sha256 = checksum
            asset.storage_etag = stored.storage_etag
            asset.duration = info.duration
            asset.width, asset.height = info.width or None, info.height or None
            asset.original_filename = (getattr(file, "name", "") or "").rsplit("/", 1)[-1][:255]
            asset.uploaded_by = uploaded_by
            asset.save()
            if old_key:
                transaction.on_commit(lambda: _delete_quietly(old_key))
            _drop_trickplay(asset)  # its frames are of the previous video
            from streaming.tasks import derive_video_media

            derive_video_media.delay_on_commit(asset.pk, checksum)
    except BaseException:
        _delete_quietly(key)
        raise
    logger.info("stored video of movie %s as %s (%d bytes)", movie.pk, key, stored.size)
    return asset


def video_media_derive(*, video_id: int, sha256: str) -> None:
    """Take a poster (when the movie has none) and the seek previews from the stored video, downloaded
    once to a temporary file; nothing happens when the video was replaced or removed meanwhile."""
    video = VideoAsset.objects.select_related("movie").filter(pk=video_id, sha256=sha256).first()
    if video is None:
        return
    with tempfile.NamedTemporaryFile(prefix="video-", suffix=".media") as copy:
        storage.download_object(video.key, copy, size=video.size)
        copy.flush()
        poster_from_video(video=video, path=copy.name)
        try:
            trickplay_generate(video=video, path=copy.name)
        except (av.FFmpegError, IndexError) as exc:
            # A video we could probe but not decode to the end: it still plays, without seek previews.
            logger.warning("no seek previews for the video of movie %s: %s", video.movie_id, exc)


def video_asset_delete(*, asset: VideoAsset) -> None:
    """Remove the video: the row now, the object once the deletion has committed."""
    key = asset.key
    with transaction.atomic():
        _drop_trickplay(asset)
        asset.delete()
        transaction.on_commit(lambda: _delete_quietly(key))


def _drop_trickplay(asset: VideoAsset) -> None:
    track = TrickplayTrack.objects.filter(video_id=asset.pk).first() if asset.pk else None
    if track is not None:
        track.delete()
        transaction.on_commit(lambda: trickplay_delete_objects(track))


def _delete_quietly(key: str) -> None:
    # An object left behind wastes space but breaks nothing (no row names it); say so and go on.
    try:
        storage.delete_object(key)
    except StorageUnavailable:
        logger.warning("could not delete the unused video object %s; delete it by hand", key)
