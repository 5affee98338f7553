"""Request ids, the one access-log line per request, and JSON errors for every /api/ path.

Every request gets an id: the caller's `X-Request-ID` when it is a plausible id, a new UUID
otherwise. It is returned in the response, set on the request's span and stamped on every log line
made while the request runs (cinema_project.logging.request_id_var).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from http import HTTPStatus

from django.http import JsonResponse
from opentelemetry import trace

from cinema_project.logging import request_id_var

REQUEST_ID_HEADER = "X-Request-ID"
# Ids from outside end up in logs and headers: keep them short and free of separators.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

access_logger = logging.getLogger("cinema.request")


def request_id_from(request) -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    return incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request)
        request.request_id = request_id
        token = request_id_var.set(request_id)
        span = trace.get_current_span()
        if span.is_recording():
            span.set_attribute("http.request_id", request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            if request.path not in ("/healthz", "/readyz", "/metrics"):
                access_logger.info(
                    "%s %s %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                        "remote_addr": request.META.get("REMOTE_ADDR", ""),
                    },
                )
            return response
        finally:
            request_id_var.reset(token)


class RequestUriMiddleware:
    """Gives the request its URI (`REQUEST_URI`, ASCII) when the server did not (runserver, Django's
    test client; gunicorn sets RAW_URI). Without one, OpenTelemetry's Django middleware rebuilds the
    URL from Django's decoded PATH_INFO as Latin-1, so a path such as `/api/v1/movies/１２/` or
    `/фильмы` was a 500 whenever tracing was on. Put first by cinema_project.observability.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.META.get("RAW_URI") and not request.META.get("REQUEST_URI"):
            request.META["REQUEST_URI"] = request.get_full_path()
        return self.get_response(request)


def api_error_body(status_code: int) -> dict:
    """The JSON body of an API error that no view wrote: the status's phrase as `detail` and `code`."""
    try:
        phrase = HTTPStatus(status_code).phrase
    except ValueError:
        phrase = "Error"
    code = "server_error" if status_code == 500 else phrase.lower().replace(" ", "_").replace("-", "_")
    return {"detail": phrase.capitalize() + ".", "code": code}


class ApiJsonErrorsMiddleware:
    """Every error under /api/ is JSON with a `detail`, in every mode.

    Errors raised outside a DRF view (no URL matched, a failure in a middleware or a plain Django view)
    are answered by Django's handlers, which with DEBUG on are its HTML technical pages whatever
    handler404/handler500 say. Here any HTML error answer to an /api/ path becomes JSON; the
    exception itself was already logged by Django. Pages outside /api/ keep Django's pages.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path_info.startswith("/api/")
            and response.get("Content-Type", "").startswith("text/html")
        ):
            replacement = JsonResponse(api_error_body(response.status_code), status=response.status_code)
            for header in ("Allow", "Retry-After", "Vary", REQUEST_ID_HEADER):
                if header in response:
                    replacement[header] = response[header]
            return replacement
        return response
