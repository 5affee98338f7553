"""URLs of the activity app (mounted under /api/v1/ by cinema_project.urls)."""

from django.urls import path

from activity import api

urlpatterns = [
    path("activity/events", api.EventIngestView.as_view(), name="activity-events"),
    path("me/continue-watching", api.ContinueWatchingView.as_view(), name="continue-watching"),
    path("analytics/top-movies", api.TopMoviesView.as_view(), name="analytics-top-movies"),
    path("analytics/watch-time", api.WatchTimeView.as_view(), name="analytics-watch-time"),
    path("analytics/error-rate", api.ErrorRateView.as_view(), name="analytics-error-rate"),
]
