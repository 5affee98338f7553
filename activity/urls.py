"""URLs of the activity app (mounted by cinema_project.urls)."""

urlpatterns: list = []
