"""Posters and backdrops named by CMS documents, imported into the movie's images (streaming.images).

A document names an image by a key relative to the CMS prefix (`"poster": "42/poster.jpg"`), checked by
etl.cleaning.clean_image_key (so no key ever leaves the prefix) and found in the prefix's listing (so the object
exists, and its size and ETag are known before it is read). The import reads the object, and
streaming.images.image_store checks it (size, type, a full decode), stores it under a key the server makes
and queues its renditions (the Celery task `streaming.render_image`).

- The image that governs a movie's poster (backdrop) is the one its documents name, the document in the
  movie's own language first, then the first language code.
- An editor's upload wins: a movie whose image was uploaded in the admin keeps it (image_store keep_uploaded).
- Idempotent: a CmsImage row remembers the object and ETag an image came from; the same object unchanged is
  not read again; the same picture under a new ETag (a rewritten object) is not imported again either.
- When no document of the prefix names a poster (backdrop) for a movie any more, the image imported from
  that prefix is removed. A named image that is unusable (a bad key, missing, too large, not an image) is
  reported ("reported", not a rejection): the movie loads and keeps its current image.

attach_cms_images() runs after the load has committed (the movies exist), one image per transaction, so a
slow or failing object store costs neither the load nor its locks; `--dry-run` checks and counts inside the
load's transaction and stores nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, transaction

from catalog.models import Movie
from core.exceptions import StorageUnavailable
from core.storage import ObjectLocation
from etl.exceptions import FeedError, SourceUnavailable
from etl.merge.result import Counts
from etl.models import CmsImage
from etl.sources import read_object
from streaming.images import ImageRejected, check_image, image_delete, image_store
from streaming.models import Image, ImageKind, ImageSource

logger = logging.getLogger(__name__)

KINDS = (ImageKind.POSTER, ImageKind.BACKDROP)


@dataclass(frozen=True)
class CmsImageRef:
    """An image a CMS document names; `location` None when the name was unusable (already reported)."""

    movie_ext: int
    language: str
    kind: str
    document_url: str
    location: ObjectLocation | None = None
    size: int | None = None
    etag: str = ""


class _Unusable(Exception):
    pass


def attach_cms_images(refs: list[CmsImageRef], *, prefix_url: str, report: Callable, dry_run: bool = False) -> Counts:
    """Bring the movies' CMS posters and backdrops in line with the documents; returns the image counts."""
    counts = Counts()
    named = {(ref.movie_ext, ref.kind) for ref in refs}
    _remove_unnamed(named, prefix_url, counts, dry_run)
    movies = dict(
        (external_id, (movie_id, language))
        for external_id, movie_id, language in Movie.objects.filter(
            external_id__in={ref.movie_ext for ref in refs if ref.location is not None}
        ).values_list("external_id", "id", "language")
    )
    chosen: dict[tuple[int, str], CmsImageRef] = {}
    usable = [ref for ref in refs if ref.location is not None and ref.movie_ext in movies]
    for ref in sorted(usable, key=lambda r: (r.movie_ext, r.kind, r.language != movies[r.movie_ext][1], r.language)):
        chosen.setdefault((ref.movie_ext, ref.kind), ref)
    if not chosen:
        return counts
    current = {
        (image.movie_id, image.kind): image
        for image in Image.objects.filter(movie_id__in=[movies[ext][0] for ext, _ in chosen], kind__in=KINDS)
        .select_related("cms_origin")
    }
    for (movie_ext, kind), ref in chosen.items():
        movie_id = movies[movie_ext][0]
        image = current.get((movie_id, kind))
        try:
            outcome = _attach(ref, movie_id, image, dry_run)
        except _Unusable as exc:
            report("cms", str(movie_ext), ref.document_url,
                   f"{kind} {ref.location.url}: {exc}; the movie keeps its current {kind}", "reported")
            continue
        setattr(counts, outcome, getattr(counts, outcome) + 1)
    return counts


def _attach(ref: CmsImageRef, movie_id: int, image: Image | None, dry_run: bool) -> str:
    """Import one image unless it is there already; the outcome: created, updated or unchanged."""
    if image is not None and image.source == ImageSource.UPLOAD:
        return "unchanged"  # the editor's upload wins (pinned)
    origin = _origin(image)
    if origin is not None and (origin.source_url, origin.etag) == (ref.location.url, ref.etag):
        return "unchanged"
    if ref.size is not None and ref.size > settings.IMAGE_MAX_BYTES:
        raise _Unusable(f"the object is larger than the limit of {settings.IMAGE_MAX_BYTES:,} bytes")
    try:
        data = read_object(ref.location.bucket, ref.location.key)
    except (FeedError, SourceUnavailable) as exc:
        raise _Unusable(f"cannot be read ({exc})") from None
    if image is not None and image.source == ImageSource.CMS and image.sha256 == hashlib.sha256(data).hexdigest():
        # The same picture (an object rewritten, or moved to another key): remember where it is now, import nothing.
        if origin is not None and not dry_run:
            CmsImage.objects.filter(pk=origin.pk).update(source_url=ref.location.url, etag=ref.etag)
        elif not dry_run:
            CmsImage.objects.create(image=image, source_url=ref.location.url, etag=ref.etag)
        return "unchanged"
    try:
        if dry_run:
            check_image(data)
            return "created" if image is None else "updated"
        with transaction.atomic():
            stored = image_store(
                kind=ref.kind, data=data, movie=Movie.objects.get(pk=movie_id), source=ImageSource.CMS,
                keep_uploaded=True,
            )
            if stored is None:
                return "unchanged"  # an editor uploaded one meanwhile
            CmsImage.objects.create(image=stored, source_url=ref.location.url, etag=ref.etag)
    except ImageRejected as exc:
        raise _Unusable(f"refused: {exc.message.rstrip('.')}") from None
    except (StorageUnavailable, DatabaseError) as exc:
        logger.warning("could not import %s for movie %s: %s", ref.location.url, movie_id, exc)
        raise _Unusable(f"could not be stored ({exc})") from None
    return "created" if image is None else "updated"


def _origin(image: Image | None) -> CmsImage | None:
    if image is None:
        return None
    try:
        return image.cms_origin
    except CmsImage.DoesNotExist:
        return None


def _remove_unnamed(named: set[tuple[int, str]], prefix_url: str, counts: Counts, dry_run: bool) -> None:
    """Remove the images imported from this prefix whose movie's documents no longer name one of that kind."""
    prefix = prefix_url.rstrip("/") + "/"
    origins = CmsImage.objects.filter(source_url__startswith=prefix, image__source=ImageSource.CMS).select_related(
        "image__movie"
    )
    for origin in origins:
        image = origin.image
        if (image.movie.external_id, image.kind) in named:
            continue
        counts.deleted += 1
        if not dry_run:
            try:
                image_delete(image=image)
            except DatabaseError as exc:  # an editor replaced it meanwhile, or the like: the next run tries again
                logger.warning("could not remove %s: %s", image, exc)
