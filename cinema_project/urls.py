"""URL map: the API under /api/v1/, its schema and docs, the admin, operators' endpoints, the web app."""

from django.contrib import admin
from django.urls import include, path, re_path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from catalog.api import GenreViewSet, MovieViewSet
from core import views
from core.paths import IdConverter, IdRouter
from overrides.api import OverrideViewSet
from people.api import PersonViewSet
from search.api import SuggestView

# `<id:...>` and the router's detail routes: ids are ASCII digits >= 1 (core/paths.py).
register_converter(IdConverter, "id")

router = IdRouter(trailing_slash=True)
router.register("movies", MovieViewSet, basename="movie")
router.register("genres", GenreViewSet, basename="genre")
router.register("people", PersonViewSet, basename="person")
router.register("overrides", OverrideViewSet, basename="override")

api_v1 = [
    path("", include(router.urls)),
    path("", include("streaming.urls")),
    path("", include("activity.urls")),
    path("", include("analytics.urls")),
    path("", include("etl.urls")),
    path("search/suggest", SuggestView.as_view(), name="search-suggest"),
    path("", include("accounts.urls")),
]

urlpatterns = [
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    # Everything else belongs to the web app's client-side router.
    re_path(r"^(?!api/|admin/|static/)(?P<path>.*)$", views.web_app, name="web-app"),
]

handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
