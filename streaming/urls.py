"""URLs of the streaming app (mounted under /api/v1/ by cinema_project.urls)."""

from django.urls import path

from streaming.api import MovieStreamView

urlpatterns = [
    path("movies/<id:movie_id>/stream", MovieStreamView.as_view(), name="movie-stream"),
]
