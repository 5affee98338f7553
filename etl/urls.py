"""URLs of the etl app (mounted by cinema_project.urls)."""

urlpatterns: list = []
