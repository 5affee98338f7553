"""Reads of video assets: the video a user may stream, and a movie's video for its page."""

from __future__ import annotations

from catalog.selectors import visible_movies
from core.exceptions import DomainError
from streaming.models import VideoAsset


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


def movie_video(*, movie_id: int) -> VideoAsset | None:
    """The movie's video, or None (the caller has already checked the movie is visible)."""
    return VideoAsset.objects.filter(movie_id=movie_id).first()
