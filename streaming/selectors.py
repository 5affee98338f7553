"""Reads of video assets: the video a user may stream."""

from __future__ import annotations

from catalog.models import Movie
from catalog.selectors import visible_movies
from cinema_project.exceptions import DomainError
from streaming.models import VideoAsset


class VideoNotFound(DomainError):
    """No such movie, or it has no video."""

    status_code = 404
    code = "not_found"


def streamable_asset(*, movie_id: int, user) -> VideoAsset:
    """The video of movie `movie_id` if `user` may see the movie (unpublished: staff only)."""
    movie = visible_movies(user=user).filter(pk=movie_id).select_related("video").first()
    if movie is None:
        raise VideoNotFound(f"No movie with id {movie_id}.")
    try:
        return movie.video
    except Movie.video.RelatedObjectDoesNotExist:
        raise VideoNotFound(f"Movie {movie_id} has no video.") from None
