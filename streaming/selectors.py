"""Reads of the streaming app: the video a user may stream, a movie's video, images and seek previews
for its page, a person's photo, and the objects behind image and seek-preview URLs."""

from __future__ import annotations

from catalog.models import Movie
from catalog.selectors import visible_movies
from core.exceptions import DomainError
from django.db.models import BooleanField, JSONField
from django.db.models.expressions import RawSQL
from django.urls import reverse

from streaming.models import Image, ImageKind, TrickplayTrack, VideoAsset


class VideoNotFound(DomainError):
    """No such movie, or it has no video."""

    status_code = 404
    code = "not_found"


def streamable_asset(*, movie_id: int, user) -> VideoAsset:
    """The video of movie `movie_id` (with its movie) if `user` may see the movie (unpublished: staff only)."""
    # One query on the hot path (a player sends a range request every few seconds); the second
    # one only tells the two 404s apart.
    assets = VideoAsset.objects.select_related("movie").filter(movie_id=movie_id)
    try:
        return assets.filter(movie__in=visible_movies(user=user)).get()
    except VideoAsset.DoesNotExist:
        if visible_movies(user=user).filter(pk=movie_id).exists():
            raise VideoNotFound(f"Movie {movie_id} has no video.") from None
        raise VideoNotFound(f"No movie with id {movie_id}.") from None


def _image_sources(image: Image) -> list[dict]:
    """`[{url, width}]` for `srcset`, narrowest first; the original until the renditions are made."""
    widths = [r["width"] for r in image.renditions] or [image.width]
    return [{"url": reverse("v1:image", args=[image.pk, width]), "width": width} for width in widths]


def movie_media(*, movie_id: int) -> dict:
    """The movie's poster and backdrop sources and its seek-preview track URL (the caller has checked
    the movie is visible)."""
    return movie_media_of(Movie.objects.filter(pk=movie_id).annotate(**movie_media_columns()).only("id").get())


def movie_media_columns() -> dict[str, RawSQL]:
    """`media_images` (the movie's images as JSON rows) and `has_trickplay`, as columns of a movie query:
    a page reads them with the movie, not in queries of their own."""
    movie, image = Movie._meta.db_table, Image._meta.db_table
    video, track = VideoAsset._meta.db_table, TrickplayTrack._meta.db_table
    return {
        "media_images": RawSQL(
            "(SELECT coalesce(jsonb_agg(jsonb_build_object('id', i.id, 'kind', i.kind, 'width', i.width, 'renditions', i.renditions)"
            f" ORDER BY i.id), '[]'::jsonb) FROM {image} i WHERE i.movie_id = {movie}.id)",
            [], output_field=JSONField(),
        ),
        "has_trickplay": RawSQL(
            f"EXISTS (SELECT 1 FROM {track} t JOIN {video} v ON v.id = t.video_id WHERE v.movie_id = {movie}.id)",
            [], output_field=BooleanField(),
        ),
    }


def movie_media_of(movie) -> dict:
    """`movie_media` from a movie read with `movie_media_columns`."""
    images = {row["kind"]: Image(id=row["id"], kind=row["kind"], width=row["width"], renditions=row["renditions"]) for row in movie.media_images}
    return {
        "poster": _image_sources(images[ImageKind.POSTER]) if ImageKind.POSTER in images else [],
        "backdrop": _image_sources(images[ImageKind.BACKDROP]) if ImageKind.BACKDROP in images else [],
        "trickplay_url": reverse("v1:movie-trickplay", args=[movie.pk]) if movie.has_trickplay else None,
    }


def _image_row(owner_table: str, owner_column: str, kind: str) -> RawSQL:
    """The owner's image of `kind` as a JSON row (null without one), a column of the owner's query."""
    return RawSQL(
        "(SELECT jsonb_build_object('id', i.id, 'width', i.width, 'renditions', i.renditions)"
        f" FROM {Image._meta.db_table} i WHERE i.{owner_column} = {owner_table}.id AND i.kind = %s)",
        [kind], output_field=JSONField(),
    )


def _sources_of(row: dict | None) -> list[dict]:
    return _image_sources(Image(id=row["id"], width=row["width"], renditions=row["renditions"])) if row else []


def movie_poster_columns() -> dict[str, RawSQL]:
    """`poster_image`: a movie's poster, a column of a movie query (a list page reads its posters with its
    movies: no query and no compilation of its own)."""
    return {"poster_image": _image_row(Movie._meta.db_table, "movie_id", ImageKind.POSTER.value)}


def movie_poster_of(movie) -> list[dict]:
    """The poster sources of a movie read with `movie_poster_columns` (empty without one)."""
    return _sources_of(movie.poster_image)


def person_photo(*, person_id: int) -> list[dict]:
    """The person's photo sources (empty without one)."""
    from people.models import Person

    person = Person.objects.filter(pk=person_id).annotate(**person_photo_columns()).only("id").first()
    return person_photo_of(person) if person is not None else []


def person_photo_columns() -> dict[str, RawSQL]:
    """`photo_image`: the person's photo, a column of a person query."""
    from people.models import Person

    return {"photo_image": _image_row(Person._meta.db_table, "person_id", ImageKind.PHOTO.value)}


def person_photo_of(person) -> list[dict]:
    """`person_photo` from a person read with `person_photo_columns`."""
    return _sources_of(person.photo_image)


class MediaNotFound(DomainError):
    """No such image or seek preview."""

    status_code = 404
    code = "not_found"


def servable_image(*, image_id: int, width: int, user) -> tuple[Image, dict]:
    """The image and its object (`{key, size, content_type}`) at `width`, if `user` may see its owner."""
    image = Image.objects.select_related("movie").filter(pk=image_id).first()
    if image is None or (image.movie_id and not visible_movies(user=user).filter(pk=image.movie_id).exists()):
        raise MediaNotFound(f"No image with id {image_id}.")
    for rendition in image.renditions:
        if rendition["width"] == width:
            return image, {"key": rendition["key"], "size": rendition["size"], "content_type": "image/webp"}
    if width == image.width:
        return image, {"key": image.key, "size": image.size, "content_type": image.content_type}
    raise MediaNotFound(f"Image {image_id} has no width {width}.")


def visible_trickplay(*, movie_id: int, user) -> TrickplayTrack:
    """The seek-preview track of the movie's video, if `user` may see the movie (unpublished: staff only)."""
    track = (
        TrickplayTrack.objects.select_related("video__movie")
        .filter(video__movie_id=movie_id, video__movie__in=visible_movies(user=user))
        .first()
    )
    if track is None:
        raise MediaNotFound(f"No seek previews for movie {movie_id}.")
    return track
