"""Operators' endpoints, the built web app, and JSON error pages for the API."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import FileResponse, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@require_safe
def healthz(request):
    """The process answers."""
    return JsonResponse({"status": "ok"})


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


READINESS_CHECKS = {"database": check_database}


@require_safe
def readyz(request):
    """Each backing service answers; 503 when one does not."""
    checks = {}
    for name, check in READINESS_CHECKS.items():
        try:
            check()
        except Exception as exc:  # a readiness probe reports every failure, whatever its kind
            logger.warning("readiness check %s failed: %s", name, exc)
            checks[name] = {"status": "fail", "error": str(exc).splitlines()[0] if str(exc) else type(exc).__name__}
        else:
            checks[name] = {"status": "ok"}
    ok = all(c["status"] == "ok" for c in checks.values())
    return JsonResponse({"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503)


@require_safe
def web_app(request, path: str = ""):
    """The built Vite app; its client-side router takes the path from here."""
    index = settings.FRONTEND_DIST_DIR / "index.html"
    if not index.exists():
        return HttpResponse(
            "The web app is not built: run `make frontend` (or `make run`, which builds it).",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = FileResponse(index.open("rb"), content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Internal server error.", "code": "server_error"}, status=500)
    from django.views.defaults import server_error as default_server_error

    return default_server_error(request)
