"""What every API view shares: strict pagination, error bodies, conditional GET."""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import threading
from collections.abc import Mapping
from datetime import datetime

from django.conf import settings
from django.core.exceptions import EmptyResultSet, RequestDataTooBig
from django.db import DatabaseError, DataError, IntegrityError, InterfaceError, OperationalError, connections
from django.db.models import QuerySet
from django.db.models.manager import BaseManager
from django.http import HttpResponse, QueryDict
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django_filters.filters import FilterMethod
from django_filters.filterset import BaseFilterSet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, fields, serializers, status
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import DomainError
from core.integers import int_param

logger = logging.getLogger(__name__)


class StrictLimitOffsetPagination(LimitOffsetPagination):
    """Limit/offset pagination that refuses malformed values (400), caps the page size and counts cheaply.

    The page is read with one extra row, which says whether a next page exists. `count` is exact
    when there are at most API_EXACT_COUNT_LIMIT rows (counted with a LIMIT, so the cost is bounded)
    or when a deep page shows the end of the list; otherwise it is PostgreSQL's row estimate for the
    query (EXPLAIN, never less than the rows known to exist) and `count_is_estimate` is true. An
    exact COUNT(*) over 100k rows costs several times the page it describes.
    """

    def __init__(self) -> None:
        self.max_limit = settings.API_MAX_PAGE_SIZE
        self.count_is_estimate = False
        self.has_next = False

    def get_limit(self, request) -> int:
        limit = int_param(request, self.limit_query_param, minimum=1, optional=True)
        if limit is None:
            return self.default_limit
        return min(limit, self.max_limit)

    def get_offset(self, request) -> int:
        return int_param(request, self.offset_query_param, minimum=0, default=0)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit = self.get_limit(request)
        if self.limit is None:
            return None
        self.offset = self.get_offset(request)
        rows = list(queryset[self.offset : self.offset + self.limit + 1])
        self.has_next = len(rows) > self.limit
        rows = rows[: self.limit]
        self.count, self.count_is_estimate = self._count(queryset, rows)
        if self.count > self.limit and self.template is not None:
            self.display_page_controls = True
        return rows

    def _count(self, queryset, rows: list) -> tuple[int, bool]:
        # Rows known to exist (a page past the end proves nothing about the rows before it).
        known = self.offset + len(rows) + (1 if self.has_next else 0) if rows else 0
        if not isinstance(queryset, QuerySet):
            return len(queryset), False
        if getattr(queryset, "known_count", None) is not None:
            # Counted already: a search counts its bounded candidates (an estimate when it read only the first ones).
            return queryset.known_count, getattr(queryset, "known_count_is_estimate", False)
        cap = settings.API_EXACT_COUNT_LIMIT
        if rows and not self.has_next and known > cap:
            return known, False  # a deep page that shows the end of the list
        # The query is compiled once for both statements below (compiling it costs about as much
        # Python CPU as running it).
        try:
            sql, params = queryset.order_by().query.sql_with_params()
        except EmptyResultSet:  # a filter that can match nothing (e.g. `pk__in=[]`) compiles to no SQL at all
            return 0, False
        with connections[queryset.db].cursor() as cursor:
            if known <= cap:
                # Up to the cap the count is exact, and its cost bounded by the LIMIT (PostgreSQL computes
                # none of the subquery's columns: the count reads none of them).
                cursor.execute(f"SELECT COUNT(*) FROM ({sql} LIMIT %s) AS bounded", (*params, cap + 1))
                bounded = cursor.fetchone()[0]
                if bounded <= cap:
                    return bounded, False
                known = cap + 1
            # Past the cap the planner's estimate (its guesses for small or selective queries can be off by
            # orders of magnitude, which is why it is only asked when there are more rows than the cap).
            return max(_planner_rows(cursor, sql, params), known), True

    def get_next_link(self):
        if not self.has_next:
            return None
        return super().get_next_link()

    def get_paginated_response(self, data):
        return Response({
            "count": self.count,
            "count_is_estimate": self.count_is_estimate,
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "results": data,
        })

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count_is_estimate"] = {
            "type": "boolean",
            "description": f"True when `count` is PostgreSQL's estimate (lists of more than {settings.API_EXACT_COUNT_LIMIT} "
            "rows); false when it is exact.",
        }
        response["required"] = sorted(set(response.get("required", [])) | {"count", "count_is_estimate", "results"})
        return response


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, with the per-request set-up of a FilterSet made cheap.

    django-filter deep-copies every filter of the FilterSet (their form fields, widgets, choices) and
    builds a new form class for each request: about a fifth of the Python CPU of an uncached movie list
    page (docs/operations.md, "API request CPU"). Here each FilterSet class gets a twin, made once per
    process, whose instances copy their filters shallowly (a filter's per-request state is its
    `parent` and `model`, set on the copy; a `method=` filter is re-bound to its copy) and share one
    form class (a form instance deep-copies its class's fields anyway). Validation, filtering, error
    messages and the OpenAPI schema (which reads the view's own filterset_class) are unchanged.
    A FilterSet that overrides __init__ or get_form_class is used as it is.
    """

    def get_filterset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return None
        return _cheap_filterset_class(filterset_class)(**self.get_filterset_kwargs(request, queryset, view))


_cheap_filtersets: dict[type, type] = {}
_cheap_filtersets_lock = threading.Lock()


def _cheap_filterset_class(filterset_class: type) -> type:
    cheap = _cheap_filtersets.get(filterset_class)
    if cheap is not None:
        return cheap
    if filterset_class.__init__ is not BaseFilterSet.__init__ or filterset_class.get_form_class is not BaseFilterSet.get_form_class:
        return filterset_class
    form_class_lock = threading.Lock()

    class CheapFilterSet(filterset_class):
        _form_class = None

        def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
            if queryset is None:
                queryset = self._meta.model._default_manager.all()
            self.is_bound = data is not None
            self.data = data or QueryDict()
            self.queryset = queryset
            self.request = request
            self.form_prefix = prefix
            self.filters = {}
            for name, base in self.base_filters.items():
                filter_ = copy.copy(base)
                filter_.model = queryset.model
                filter_.parent = self
                if isinstance(base.__dict__.get("filter"), FilterMethod):
                    filter_.filter = FilterMethod(filter_)  # the method is looked up on this request's FilterSet
                self.filters[name] = filter_

        def get_form_class(self):
            cls = type(self)
            if cls._form_class is None:
                with form_class_lock:
                    if cls._form_class is None:
                        cls._form_class = BaseFilterSet.get_form_class(self)
            return cls._form_class

    CheapFilterSet.__name__ = filterset_class.__name__
    CheapFilterSet.__qualname__ = filterset_class.__qualname__
    CheapFilterSet.__module__ = filterset_class.__module__
    with _cheap_filtersets_lock:
        return _cheap_filtersets.setdefault(filterset_class, CheapFilterSet)


_MISSING = object()


class FastListSerializer(serializers.ListSerializer):
    """DRF's ListSerializer, with the child's field walk planned once per list instead of once per row.

    The output is DRF's own, byte for byte: each field's `to_representation` is still called; what is
    saved is DRF's per-row, per-field machinery (the readable-fields generator, the generic attribute
    lookup) - about a third of the serializer's CPU on a 24-row movie page (docs/operations.md, "API
    request CPU"). A field read from one plain attribute of a model instance is read with getattr; any
    other field (a method field, a dotted source, a relation, a default for a missing attribute, a
    callable) goes through the field's own get_attribute as before. A child serializer that overrides
    to_representation is serialized by DRF's loop. Use as `Meta.list_serializer_class`.
    """

    def to_representation(self, data):
        child = self.child
        if type(child).to_representation is not serializers.Serializer.to_representation:
            return super().to_representation(data)
        iterable = data.all() if isinstance(data, BaseManager) else data
        plan = []
        for field in child._readable_fields:
            direct = type(field).get_attribute is fields.Field.get_attribute and len(field.source_attrs) == 1
            plan.append((field.field_name, field, field.source_attrs[0] if direct else None))
        rows = []
        for item in iterable:
            by_getattr = not isinstance(item, Mapping)
            row = {}
            for name, field, attr in plan:
                attribute = getattr(item, attr, _MISSING) if attr is not None and by_getattr else _MISSING
                if attribute is _MISSING or callable(attribute):
                    try:
                        attribute = field.get_attribute(item)
                    except SkipField:
                        continue
                check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
                row[name] = None if check_for_none is None else field.to_representation(attribute)
            rows.append(row)
        return rows


def estimated_count(queryset: QuerySet) -> int:
    """The planner's row estimate for `queryset` (EXPLAIN, no execution): about 0.2 ms at any size."""
    try:
        sql, params = queryset.order_by().query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (e.g. `pk__in=[]`) compiles to no SQL at all
        return 0
    with connections[queryset.db].cursor() as cursor:
        return _planner_rows(cursor, sql, params)


def _planner_rows(cursor, sql: str, params) -> int:
    cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
    plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class SharedRateThrottle(SimpleRateThrottle):
    """A rate limit counted in the default cache, which every worker and server instance shares.

    The window opens at a key's first request and lasts the rate's period; requests past the limit
    are refused until it closes. Each request is one atomic increment in one round trip (`hit`,
    core.cache_backends): a script in Redis, an upsert of a counter row with the database cache
    (`add` + `incr` with a cache that has no `hit`). DRF's own
    throttle reads a list of timestamps and writes it back, so concurrent requests in different
    processes get through together.
    """

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        hit = getattr(self.cache, "hit", None)  # the database cache counts in one statement
        if hit is not None:
            return hit(self.key, self.duration) <= self.num_requests
        hits = 1
        for _ in range(3):
            try:
                hits = self.cache.incr(self.key)
                break
            except ValueError:  # no window open: this request opens one (with its expiry), unless another just did
                if self.cache.add(self.key, 1, self.duration):
                    break
        # Three misses in a row mean the window closed under us each time: this request opens the next.
        return hits <= self.num_requests

    def wait(self):
        return self.duration


def throttled_response(wait: float | None) -> HttpResponse:
    """The 429 a throttled request gets, as DRF's handler words it, for callers outside a DRF view."""
    exc = exceptions.Throttled(wait)
    headers = {"Content-Type": "application/json"}
    if wait is not None:
        headers["Retry-After"] = str(int(wait))
    return HttpResponse(json.dumps({"detail": str(exc.detail)}), status=429, headers=headers)


DATABASE_UNAVAILABLE = {"detail": "The database is unavailable; try again shortly.", "code": "database_unavailable"}


def database_unavailable_response() -> HttpResponse:
    """The 503 for an unreachable database, as exception_handler words it, for callers outside a DRF view."""
    body = DATABASE_UNAVAILABLE
    return HttpResponse(json.dumps(body), status=503, headers={"Content-Type": "application/json", "Retry-After": "5"})


class SearchRateThrottle(SharedRateThrottle):
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
            DATABASE_UNAVAILABLE,
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


class ImageSourceSerializer(serializers.Serializer):
    """One width of an image, for `srcset` (`url 320w`)."""

    url = serializers.CharField()
    width = serializers.IntegerField()


class FieldsBuiltOnceMixin:
    """For a read-only ModelSerializer on a hot path: the fields are built from the model once per
    class, then copied for each instance. DRF inspects the model and deep-copies every field (its
    validators, choices ...) for each serializer it makes: two thirds of a movie detail's serialization.
    The fields depend only on the class and its Meta. Plain fields are copied shallowly (binding sets
    only the copy's own attributes); nested serializers deeply, since binding one binds its child."""

    def get_fields(self):
        cls = type(self)
        if "_fields_built_once" not in cls.__dict__:
            cls._fields_built_once = super().get_fields()  # unbound: binding happens per instance
        return {
            name: copy.deepcopy(field) if isinstance(field, serializers.BaseSerializer) else copy.copy(field)
            for name, field in cls._fields_built_once.items()
        }
