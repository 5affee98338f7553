"""What every API view shares: strict pagination, error bodies, conditional GET."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import datetime

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, DataError, IntegrityError, InterfaceError, OperationalError
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from rest_framework import exceptions, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import DomainError

logger = logging.getLogger(__name__)


_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,18}")


def parse_whole_number(raw: str) -> int:
    """A query parameter's whole number, in ASCII digits only: int() would also take `１２`
    (full-width), ` 12 `, `1_000` and 4000-digit values. ValueError otherwise."""
    if not _WHOLE_NUMBER.fullmatch(raw):
        raise ValueError(raw)
    return int(raw)


class StrictLimitOffsetPagination(LimitOffsetPagination):
    """Limit/offset pagination that refuses malformed values (400) and caps the page size."""

    def __init__(self) -> None:
        from django.conf import settings

        self.max_limit = settings.API_MAX_PAGE_SIZE

    @staticmethod
    def _parse(request, name: str, *, minimum: int) -> int | None:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return None
        try:
            value = parse_whole_number(raw)
        except ValueError:
            raise exceptions.ValidationError({name: [f"A whole number is required, got {raw!r}."]}) from None
        if value < minimum:
            raise exceptions.ValidationError({name: [f"Must be at least {minimum}."]})
        return value

    def get_limit(self, request) -> int:
        limit = self._parse(request, self.limit_query_param, minimum=1)
        if limit is None:
            return self.default_limit
        return min(limit, self.max_limit)

    def get_offset(self, request) -> int:
        return self._parse(request, self.offset_query_param, minimum=0) or 0


class SearchRateThrottle(SimpleRateThrottle):
    """Limits searches (`?q=`) per user, or per client address for anonymous callers; browsing is free."""

    scope = "search"

    def get_cache_key(self, request, view):
        if not request.query_params.get("q"):
            return None
        ident = request.user.pk if request.user and request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


def exception_handler(exc, context):
    """DRF's handler, plus domain errors, bad values, conflicts and unreachable databases as JSON with a
    `detail` message."""
    if isinstance(exc, DomainError):
        return Response({**exc.extra, "detail": exc.message, "code": exc.code}, status=exc.status_code)
    if isinstance(exc, (OperationalError, InterfaceError)):
        logger.error("database unavailable: %s", exc)
        return Response(
            {"detail": "The database is unavailable; try again shortly.", "code": "database_unavailable"},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
        )
    if isinstance(exc, RequestDataTooBig):
        # Django would answer with its HTML 400 page and log an ERROR with a traceback.
        message = f"The request body is larger than the {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes allowed."
        return Response({"detail": message, "code": "request_too_large"}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    # Safety nets: a view should have refused these itself, but they are the client's value or a race
    # between clients, never the server's failure.
    if isinstance(exc, DataError):
        logger.warning("value refused by the database: %s", exc)
        return Response({"detail": "A value is out of range or cannot be stored.", "code": "invalid_value"}, status=400)
    if isinstance(exc, IntegrityError):
        logger.warning("conflicting write: %s", exc)
        return Response({"detail": "The write conflicts with the current data; reload and retry.", "code": "conflict"}, status=409)
    if isinstance(exc, DatabaseError):
        logger.exception("database error")
        return Response({"detail": "Internal database error.", "code": "database_error"}, status=500)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):
        response.data = {"detail": " ".join(str(item) for item in response.data)}
    return response


def conditional_response(request, data, *, last_modified: datetime | None, status_code: int = 200) -> Response:
    """A Response for `data` with a strong ETag of its JSON and Last-Modified; 304 when the client is current.

    The JSON is rendered once: the bytes the ETag is computed from are the bytes sent (unless the
    client asked for another renderer, e.g. the browsable API).
    """
    body = JSONRenderer().render(data)
    etag = '"%s"' % hashlib.blake2b(body, digest_size=16).hexdigest()
    timestamp = int(last_modified.timestamp()) if last_modified else None
    not_modified = get_conditional_response(request, etag=etag, last_modified=timestamp)
    if not_modified is not None:
        response = Response(status=not_modified.status_code)
    else:
        response = Response(data, status=status_code)
        if type(getattr(request, "accepted_renderer", None)) is JSONRenderer:
            response.content = body  # marks the response rendered: DRF will not render it again
            response["Content-Type"] = "application/json"
    response["ETag"] = etag
    if timestamp is not None:
        response["Last-Modified"] = http_date(timestamp)
    return response


# A search that rewrote its query (keyboard layout, transliteration) says so beside `count` and `results`.
_INTERPRETATION = "_search_interpreted_as"


def remember_interpretation(request, page) -> None:
    """Keep a list search's rewrite on the request so the list response can carry it."""
    setattr(request, _INTERPRETATION, page.interpreted_as)


def with_interpretation(request, response: Response) -> Response:
    """Add `interpreted_as` beside `count` and `results` when the request searched."""
    if hasattr(request, _INTERPRETATION) and isinstance(response.data, dict):
        response.data["interpreted_as"] = getattr(request, _INTERPRETATION)
    return response
