"""URLs of the streaming app (mounted by cinema_project.urls)."""

urlpatterns: list = []
