"""URLs of the analytics app (mounted under /api/v1/ by cinema_project.urls)."""

from django.urls import path

from analytics import api

urlpatterns = [
    path("analytics/overview", api.OverviewView.as_view(), name="analytics-overview"),
    path("analytics/qoe", api.QoeView.as_view(), name="analytics-qoe"),
    path("analytics/retention", api.RetentionView.as_view(), name="analytics-retention"),
]
