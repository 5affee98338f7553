"""The project's URLs plus views that fail, for the tests of error answers (DEBUG on and off)."""

from django.http import HttpResponse
from django.urls import include, path


def boom(request):
    raise RuntimeError("a bug in a plain Django view")


def html_error(request):
    return HttpResponse("<h1>Bad</h1>", status=400, content_type="text/html")


urlpatterns = [
    path("api/v1/test-boom", boom),
    path("api/v1/test-html-error", html_error),
    path("test-boom", boom),
    path("", include("cinema_project.urls")),
]

handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
