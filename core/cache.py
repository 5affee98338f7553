"""The shared response cache of anonymous catalog reads, and its invalidation by every catalog write.

What is cached: GET answers (200, JSON) under `RESPONSE_CACHE_PREFIXES` (the movie and people lists,
details and credits) for requests that carry no session cookie, no `Authorization` and no
`X-Viewer-Id` header: everything such a request can be answered with is the same for every viewer
(the movie detail's per-viewer `resume` is null for them). The key is the scheme, host, path and the
sorted query string (`?lang=`, `?q=`, paging), so what varies by the request is in the key; requests
for the browsable HTML API are never cached.

Where: `caches["responses"]` (settings): Redis when REDIS_URL is set, otherwise a table in
PostgreSQL that every worker and every server instance shares (or files, single host only). That
table is UNLOGGED (`store_without_wal`, run by `migrate`): storing an answer waits for no WAL flush.

Invalidation: one version token in the same cache; each entry remembers the token it was made
under, and one round trip (`get_many`) fetches both, so a write is seen by every process at once.
Any save or delete of a model of `RESPONSE_CACHE_APPS` (catalog, people, overrides, streaming: the
admin, the API, the ETL's per-row saves) replaces the token when its transaction commits;
bulk writes that send no signals (the ETL's COPY/bulk_create/update) call `bump_catalog_version()`.
A reader that raced a write stores its entry under the old token, which is never served again.

One fill at a time (whole answers and shared parts): a miss marks its key as being computed (`add`,
atomic in Redis and in the database store; per process with files or memory); other requests for the
same key meanwhile wait for that answer (their database connection back in the pool) instead of
computing it too, and compute for themselves only if it is not stored, the catalog changed, or
RESPONSE_CACHE_FILL_WAIT passed. The marker costs a miss one more statement.

Not served from here: requests inside a transaction (the test client's, or ATOMIC_REQUESTS), whose
reads may include uncommitted rows. A request answered from the cache still counts against the
view's rate limits (the search limit for `?q=`).

Shared parts (`shared_part`): an answer with a part of its own for each viewer (the movie detail's
`resume`) keeps the part that is the same for everyone in the same store, under the same version
token, so the same writes make it stale at once; the view adds the viewer's part per request. The
requests the middleware already caches whole do not use it (one store per request, not two).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe

logger = logging.getLogger(__name__)

VERSION_KEY = "catalog-version"
# Set on a request whose whole answer the middleware caches (see shared_part).
_WHOLE_ANSWER_CACHED = "_response_cache_whole"
T = TypeVar("T")
# Headers the view's inner middleware (sessions, CSRF, X-Frame-Options ...) set on the way out; a hit
# skips them, so the stored answer keeps them. Per-response ones are left out.
_NOT_STORED = {"set-cookie", "content-length", "date", "x-request-id", "x-cache"}


def _cache():
    return caches["responses"]


def _new_version() -> str:
    return uuid.uuid4().hex


def current_version() -> str:
    """The catalog's version token (a new one when none is stored: evicted entries must not revive)."""
    cache = _cache()
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, _new_version(), None)
        version = cache.get(VERSION_KEY)
    return version


def bump_catalog_version(using: str = DEFAULT_DB_ALIAS) -> None:
    """Make every cached catalog answer stale; inside a transaction, when it commits (once per transaction)."""
    connection = connections[using]
    if connection.in_atomic_block:
        if not any(entry[1] is _bump_now for entry in connection.run_on_commit):
            transaction.on_commit(_bump_now, using=using)
        return
    _bump_now()


def _bump_now() -> None:
    try:
        _cache().set(VERSION_KEY, _new_version(), None)
    except Exception:  # a cache outage must not fail the write that already committed
        logger.exception("could not invalidate the catalog response cache; entries expire in %s s",
                         settings.RESPONSE_CACHE_SECONDS)


def store_without_wal(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Make the database store of cached answers an UNLOGGED table (after `createcachetable`).

    Every miss stores an answer; in a logged table each store waits for its WAL flush (3 ms on a quiet
    disk, far more under load, holding a pooled connection meanwhile). A cache needs no crash safety:
    PostgreSQL empties an unlogged table after a crash, which here only means misses.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    # Whatever this process's backend: the table is created for every process sharing the database.
    table = connection.ops.quote_name(settings.DATABASE_CACHE_TABLES[1])
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE IF EXISTS {table} SET UNLOGGED")


def _model_changed(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    if sender._meta.app_label in settings.RESPONSE_CACHE_APPS:
        bump_catalog_version(using=using or DEFAULT_DB_ALIAS)


def connect_invalidation_signals() -> None:
    post_save.connect(_model_changed, dispatch_uid="core.cache.post_save")
    post_delete.connect(_model_changed, dispatch_uid="core.cache.post_delete")


def _cacheable_request(request) -> bool:
    if request.method != "GET" or not request.path.startswith(tuple(settings.RESPONSE_CACHE_PREFIXES)):
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META:
        return False
    if "HTTP_X_VIEWER_ID" in request.META or "HTTP_RANGE" in request.META or "format" in request.GET:
        return False
    if "text/html" in request.META.get("HTTP_ACCEPT", ""):
        return False  # the browsable API
    return _usable()


def _usable() -> bool:
    return settings.RESPONSE_CACHE_BACKEND != "none" and not connections[DEFAULT_DB_ALIAS].in_atomic_block


def _entry_key(request) -> str:
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    raw = f"{request.scheme}://{request.get_host()}{request.path}?{query}"
    return "r:" + hashlib.blake2b(raw.encode(), digest_size=20).hexdigest()


def _etag(body: bytes) -> str:
    return '"%s"' % hashlib.blake2b(body, digest_size=16).hexdigest()


@functools.lru_cache(maxsize=4096)
def _view_class(path: str) -> type | None:
    """The view class serving `path` (the URLconf does not change while the process runs; resolving it
    on every hit was a tenth of the hit's CPU)."""
    from django.urls import Resolver404, resolve

    try:
        return getattr(resolve(path).func, "cls", None)
    except Resolver404:
        return None


@receiver(setting_changed)
def _forget_view_classes(*, setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":  # tests swap the URLconf
        _view_class.cache_clear()


def _throttled(request) -> HttpResponse | None:
    """A hit still counts against the view's rate limits (its throttles never run on a hit)."""
    view_class = _view_class(request.path_info)
    throttle_classes = getattr(view_class, "throttle_classes", ())
    if not throttle_classes:
        return None
    from rest_framework.request import Request

    from core.api import throttled_response

    throttles = [throttle() for throttle in throttle_classes]
    drf_request, view = Request(request, authenticators=()), view_class()
    for throttle in throttles:
        if not throttle.allow_request(drf_request, view):
            return throttled_response(throttle.wait())
    return None


def _replay(request, entry: dict) -> HttpResponse:
    headers = dict(entry["headers"])
    last_modified = parse_http_date_safe(headers.get("Last-Modified", "")) if "Last-Modified" in headers else None
    not_modified = get_conditional_response(request, etag=headers.get("ETag"), last_modified=last_modified)
    response = HttpResponse(b"" if not_modified is not None else entry["body"], status=not_modified.status_code if not_modified is not None else 200)
    for name, value in headers.items():
        if not_modified is not None and name.lower() in {"content-type", "content-language"}:
            continue
        response[name] = value
    if not_modified is None:  # (without it gunicorn sends the body chunked)
        response["Content-Length"] = str(len(entry["body"]))
    response["X-Cache"] = "hit"
    return response


def shared_part(request, parts: tuple, build: Callable[[], T]) -> T:
    """`build()`'s result for `parts` (e.g. ("movie", 12, "ru")), from the shared cache while no catalog write
    has happened since it was stored; built and stored otherwise.

    For what is the same for every viewer of the public catalog: the caller passes staff by (they see
    unpublished movies). The scheme and host are in the key (answers carry absolute URLs). What `build`
    raises (a 404) is not stored. One round trip reads the entry and the version token together.
    """
    if getattr(request, _WHOLE_ANSWER_CACHED, False) or not _usable():
        return build()
    raw = f"{request.scheme}://{request.get_host()}|" + "|".join(map(str, parts))
    key = "p:" + hashlib.blake2b(raw.encode(), digest_size=20).hexdigest()
    try:
        found = _cache().get_many([VERSION_KEY, key])
        version = found.get(VERSION_KEY) or current_version()
    except Exception:  # the cache is down (or is the database, and that is down: build() will say so)
        logger.warning("response cache unavailable", exc_info=True)
        return build()
    entry = found.get(key)
    if entry is not None and entry.get("version") == version:
        return entry["value"]

    def build_and_store() -> tuple[T, bool]:
        value = build()
        try:
            _cache().set(key, {"version": version, "value": value}, settings.RESPONSE_CACHE_SECONDS)
        except Exception:
            logger.warning("could not store a shared part in the cache", exc_info=True)
            return value, False
        return value, True

    value, entry = _fill_once(key, version, build_and_store)
    return entry["value"] if entry is not None else value


def _fill_once(key: str, version: str, compute: Callable[[], tuple[T, bool]]) -> tuple[T | None, dict | None]:
    """`(compute()'s result, None)`, or `(None, entry)` when another request was computing the entry and
    stored it meanwhile. `compute` returns its result and whether it stored the entry."""
    fill = f"{key}|fill|{version}"
    if not _claim(fill):  # another request is computing this answer: wait for it
        entry = _await_fill(key, fill, version)
        if entry is not None:
            return None, entry
        fill = None  # it stored nothing (an error, a 404) or took too long: compute it here
    stored = False
    try:
        result, stored = compute()
        return result, None
    finally:
        if fill is not None and not stored:  # once stored, waiters find the answer; the marker expires
            _release(fill)


def _claim(fill: str) -> bool:
    """Whether this request computes the answer whose fill marker is `fill` (no other request is)."""
    try:
        return _cache().add(fill, 1, settings.RESPONSE_CACHE_FILL_WAIT)
    except Exception:
        logger.warning("response cache unavailable", exc_info=True)
        return True


def _release(fill: str) -> None:
    try:
        _cache().delete(fill)
    except Exception:  # the marker expires by itself
        logger.warning("could not clear a response cache fill marker", exc_info=True)


def _await_fill(key: str, fill: str, version: str) -> dict | None:
    """The entry another request is computing, once stored; None when it finished without storing one,
    the catalog changed meanwhile, or RESPONSE_CACHE_FILL_WAIT passed.

    Many requests for one answer that is not cached (after every catalog write, the popular pages at
    once) would each compute it, and the expensive ones (facets, a common word) all at the same time:
    here one computes and the others read its answer. Each pause gives the database connection back
    first (a poll of the database store takes one): a waiting request must not hold one of the pool's
    few connections while it sleeps.
    """
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return None
    deadline, pause = time.monotonic() + settings.RESPONSE_CACHE_FILL_WAIT, 0.005
    while time.monotonic() < deadline:
        connections[DEFAULT_DB_ALIAS].close()  # with the pool: back to the pool while this sleeps
        time.sleep(pause)
        pause = min(pause * 2, 0.05)
        try:
            found = _cache().get_many([VERSION_KEY, key, fill])
        except Exception:
            logger.warning("response cache unavailable", exc_info=True)
            return None
        entry = found.get(key)
        if found.get(VERSION_KEY) != version:
            return None  # a write made the awaited answer stale before it was stored
        if entry is not None and entry.get("version") == version:
            return entry
        if fill not in found:
            return None
    return None


class ResponseCacheMiddleware:
    """Answers cacheable catalog reads from the shared cache and stores the ones it had to compute."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _cacheable_request(request):
            return self.get_response(request)
        key = _entry_key(request)
        setattr(request, _WHOLE_ANSWER_CACHED, True)
        try:
            found = _cache().get_many([VERSION_KEY, key])
            version = found.get(VERSION_KEY) or current_version()
        except (OperationalError, InterfaceError):
            # The cache lives in the database and the database is unreachable: the view would wait
            # for a connection again and fail the same way.
            logger.error("database unavailable (response cache)")
            from core.api import database_unavailable_response

            return database_unavailable_response()
        except Exception:  # the cache is down: answer without it
            logger.warning("response cache unavailable", exc_info=True)
            return self.get_response(request)
        entry = found.get(key)
        if entry is None or entry.get("version") != version:
            response, entry = _fill_once(key, version, lambda: self._store(request, self.get_response(request), key, version))
            if entry is None:
                return response
        return _throttled(request) or _replay(request, entry)

    def _store(self, request, response, key: str, version: str) -> tuple[HttpResponse, bool]:
        """The response to send (a 304 when the client has it), and whether it was stored."""
        stored = False
        if self._storable(response):
            body = response.content
            if not response.has_header("ETag"):
                response["ETag"] = _etag(body)
            headers = [(name, value) for name, value in response.items() if name.lower() not in _NOT_STORED]
            try:
                _cache().set(key, {"version": version, "headers": headers, "body": body}, settings.RESPONSE_CACHE_SECONDS)
                stored = True
            except Exception:
                logger.warning("could not store a response in the cache", exc_info=True)
            if get_conditional_response(request, etag=response["ETag"]) is not None:
                response = self._not_modified(response)
        response["X-Cache"] = "miss"
        return response, stored

    @staticmethod
    def _storable(response) -> bool:
        if response.status_code != 200 or response.streaming or response.has_header("Set-Cookie"):
            return False
        if "no-store" in response.get("Cache-Control", ""):
            return False
        return response.get("Content-Type", "").startswith("application/json")

    @staticmethod
    def _not_modified(response) -> HttpResponse:
        """The 304 for a computed answer whose ETag the client already has (the body is still stored)."""
        short = HttpResponse(status=304)
        for name, value in response.items():
            if name.lower() not in {"content-type", "content-length", "content-language"}:
                short[name] = value
        return short
