"""URLs of the streaming app (mounted under /api/v1/ by cinema_project.urls)."""

from django.urls import path

from streaming.api import MovieStreamView
from streaming.media_api import ImageView, TrickplaySheetView, TrickplayTrackView

urlpatterns = [
    path("movies/<id:movie_id>/stream", MovieStreamView.as_view(), name="movie-stream"),
    path("movies/<id:movie_id>/trickplay.vtt", TrickplayTrackView.as_view(), name="movie-trickplay"),
    path(
        "movies/<id:movie_id>/trickplay/<id:track_id>/<int:sheet>.jpg",
        TrickplaySheetView.as_view(),
        name="movie-trickplay-sheet",
    ),
    path("images/<id:image_id>/<int:width>", ImageView.as_view(), name="image"),
]
