"""Images of movies and people: check an upload is a real image, store it, make its WebP renditions,
and take a movie's poster from a frame of its video.

Keys are made here (images/<kind>/<uuid>/original.<ext>, .../<width>.webp); nothing a client sends
becomes part of one. A replaced image is a new row with new keys, so image URLs never change meaning
(they are served as immutable); the old objects are deleted once the replacement has committed.
"""

from __future__ import annotations

import hashlib
import io
import logging
import uuid
import warnings
from dataclasses import dataclass

import av
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

from core.exceptions import DomainError, StorageUnavailable
from streaming import storage
from streaming.models import Image, ImageKind, ImageSource, VideoAsset

logger = logging.getLogger(__name__)

# Pillow format name -> (content type, key extension). Only formats browsers show and Pillow decodes safely.
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}


class ImageRejected(DomainError):
    """The file is not an image we accept."""

    code = "invalid_image"


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


def check_image(data: bytes) -> CheckedImage:
    """Decode `data` fully to prove it is a whole JPEG, PNG or WebP image within the size limits."""
    if not data:
        raise ImageRejected("The file is empty.")
    if len(data) > settings.IMAGE_MAX_BYTES:
        raise ImageRejected(f"The file is larger than {settings.IMAGE_MAX_BYTES // (1024 * 1024)} MB.")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; any bomb is an error here.
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(io.BytesIO(data)) as probe:
                image_format = probe.format
                width, height = probe.size
                if image_format not in FORMATS:
                    raise ImageRejected("Upload a JPEG, PNG or WebP image.")
                if width * height > settings.IMAGE_MAX_PIXELS:
                    raise ImageRejected(f"The image has more than {settings.IMAGE_MAX_PIXELS:,} pixels.")
                probe.verify()
            with PILImage.open(io.BytesIO(data)) as image:
                image.load()  # verify() does not decode the pixels: a truncated file fails only here
    except ImageRejected:
        raise
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as exc:
        raise ImageRejected("The image is too large once decoded.") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageRejected("The file is not a readable image.") from exc
    content_type, extension = FORMATS[image_format]
    return CheckedImage(data, content_type, extension, width, height)


def image_store(
    *, kind: str, data: bytes, movie=None, person=None, source: str = ImageSource.UPLOAD, keep_existing: bool = False,
    keep_uploaded: bool = False,
) -> Image | None:
    """Make `data` the `kind` image of `movie` or `person`, replacing the previous one (or, with
    `keep_existing`, only when there is none; with `keep_uploaded`, unless the previous one was uploaded by an
    editor: None then); renditions follow from a task once this commits."""
    if (movie is None) == (person is None):
        raise ValueError("an image belongs to exactly one movie or person")
    if kind not in ({ImageKind.POSTER, ImageKind.BACKDROP} if movie is not None else {ImageKind.PHOTO}):
        raise ImageRejected(f"A {'movie' if movie is not None else 'person'} has no {kind!r} image.")
    checked = check_image(data)
    key = f"images/{kind}/{uuid.uuid4().hex}/original.{checked.extension}"
    stored = storage.save_object(key=key, content=ContentFile(data, name="original"), content_type=checked.content_type)
    try:
        with transaction.atomic():
            owner = {"movie": movie} if movie is not None else {"person": person}
            previous = Image.objects.select_for_update().filter(kind=kind, **owner).first()
            if previous is not None and (keep_existing or (keep_uploaded and previous.source == ImageSource.UPLOAD)):
                _delete_quietly([key])
                return None
            if previous is not None:
                old_keys = _keys_of(previous)
                previous.delete()
                transaction.on_commit(lambda: _delete_quietly(old_keys))
            image = Image.objects.create(
                kind=kind,
                key=key,
                size=stored.size,
                content_type=checked.content_type,
                width=checked.width,
                height=checked.height,
                sha256=hashlib.sha256(data).hexdigest(),
                source=source,
                **owner,
            )
            from streaming.tasks import render_image

            render_image.delay_on_commit(image.pk)
    except BaseException:
        _delete_quietly([key])
        raise
    logger.info("stored %s of %s as %s", kind, movie or person, key)
    return image


def image_delete(*, image: Image) -> None:
    """Remove the image: the row now, its objects once the deletion has committed."""
    keys = _keys_of(image)
    with transaction.atomic():
        image.delete()
        transaction.on_commit(lambda: _delete_quietly(keys))


def image_render(*, image_id: int) -> Image | None:
    """Make the WebP renditions of the image that are missing (safe to run twice); None if it is gone."""
    image = Image.objects.filter(pk=image_id).first()
    if image is None:
        return None
    widths = [w for w in settings.IMAGE_WIDTHS if w < image.width] or [min(settings.IMAGE_WIDTHS[0], image.width)]
    done = {r["width"] for r in image.renditions}
    todo = [w for w in widths if w not in done]
    if not todo:
        return image
    data = storage.read_object(image.key, size=image.size)
    with PILImage.open(io.BytesIO(data)) as source:
        source = ImageOps.exif_transpose(source)
        source = source.convert("RGBA" if source.mode in ("RGBA", "LA", "P") else "RGB")
        made = []
        for width in todo:
            height = max(1, round(image.height * width / image.width))
            resized = source.resize((width, height), PILImage.Resampling.LANCZOS)
            buffer = io.BytesIO()
            resized.save(buffer, format="WEBP", quality=80, method=4)
            key = image.key.rsplit("/", 1)[0] + f"/{width}.webp"
            storage.delete_object(key)  # a run cut short may have left it (the storage would rename)
            stored = storage.save_object(key=key, content=ContentFile(buffer.getvalue(), name="r"), content_type="image/webp")
            made.append({"width": width, "height": height, "key": key, "size": stored.size})
    with transaction.atomic():
        image = Image.objects.select_for_update().filter(pk=image_id).first()
        if image is None:
            _delete_quietly([r["key"] for r in made])
            return None
        kept = [r for r in image.renditions if r["width"] not in {m["width"] for m in made}]
        image.renditions = sorted(kept + made, key=lambda r: r["width"])
        image.save(update_fields=["renditions", "updated_at"])
    return image


def video_frame(path: str, *, at: float) -> PILImage.Image | None:
    """The first frame of the video file at or after `at` seconds (None when there is none)."""
    with av.open(path) as container:
        stream = container.streams.video[0]
        if at > 0 and stream.time_base:
            container.seek(int(at / stream.time_base), stream=stream, backward=True)
        fallback = None
        for frame in container.decode(stream):
            fallback = frame
            if frame.time is None or frame.time >= at:
                return frame.to_image()
        return fallback.to_image() if fallback is not None else None


def poster_from_video(*, video: VideoAsset, path: str) -> Image | None:
    """Give the movie a poster from its video (the frame at 10 % of its length) unless it has one."""
    if Image.objects.filter(movie_id=video.movie_id, kind=ImageKind.POSTER).exists():
        return None
    try:
        frame = video_frame(path, at=(video.duration or 0) * 0.1)
    except (av.FFmpegError, IndexError) as exc:
        logger.warning("no poster from the video of movie %s: %s", video.movie_id, exc)
        return None
    if frame is None:
        return None
    buffer = io.BytesIO()
    frame.convert("RGB").save(buffer, format="JPEG", quality=88)
    return image_store(
        kind=ImageKind.POSTER, data=buffer.getvalue(), movie=video.movie, source=ImageSource.VIDEO_FRAME, keep_existing=True
    )


def _keys_of(image: Image) -> list[str]:
    return [image.key] + [r["key"] for r in image.renditions]


def _delete_quietly(keys: list[str]) -> None:
    # An object left behind wastes space but breaks nothing (no row names it); say so and go on.
    for key in keys:
        try:
            storage.delete_object(key)
        except StorageUnavailable:
            logger.warning("could not delete the unused image object %s; delete it by hand", key)
