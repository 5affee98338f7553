"""Operators' endpoints, the built web app, and JSON error pages for the API."""

from __future__ import annotations

import functools
import ipaddress
import logging

from django.conf import settings
from django.db import connection
from django.http import FileResponse, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from core.middleware import api_error_body
from core.storage import check_buckets

logger = logging.getLogger(__name__)


@require_safe
def healthz(request):
    """The process answers."""
    return JsonResponse({"status": "ok"})


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_object_storage() -> None:
    """The videos and CMS buckets answer (S3), or the local object directory is usable."""
    check_buckets(settings.S3_VIDEOS_BUCKET, settings.S3_CMS_BUCKET)


READINESS_TIMEOUT = 2.0  # seconds per check: a probe must answer well within its own timeout


# A metadata-only client of its own: a probe must never wait behind the relay producer's queue.
@functools.cache
def _kafka_admin(bootstrap_servers: str):
    from confluent_kafka.admin import AdminClient

    # librdkafka's own log lines go through logging (JSON in production), not raw to stderr.
    return AdminClient({"bootstrap.servers": bootstrap_servers, "socket.timeout.ms": 2000, "logger": logger})


def check_kafka() -> None:
    """A broker answers a metadata request (topics are created by the deployment, not checked here)."""
    metadata = _kafka_admin(settings.KAFKA_BOOTSTRAP_SERVERS).list_topics(timeout=READINESS_TIMEOUT)
    if not metadata.brokers:
        raise ConnectionError("no Kafka broker in the cluster metadata")


@functools.cache
def _redis(url: str):
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=READINESS_TIMEOUT, socket_timeout=READINESS_TIMEOUT)


def check_redis() -> None:
    """Redis (cache and Celery broker) answers PING."""
    urls = {settings.REDIS_URL}
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        urls.add(settings.CELERY_BROKER_URL)
    for url in sorted(u for u in urls if u):
        _redis(url).ping()


def readiness_checks() -> dict:
    """The checks that apply to this deployment: the database always, the others when configured."""
    checks = {"database": check_database, "object_storage": check_object_storage}
    if settings.KAFKA_BOOTSTRAP_SERVERS:
        checks["kafka"] = check_kafka
    if settings.REDIS_URL or settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        checks["redis"] = check_redis
    return checks


@require_safe
def readyz(request):
    """Each backing service answers; 503 when one does not."""
    checks = {}
    for name, check in readiness_checks().items():
        try:
            check()
        except Exception as exc:  # a readiness probe reports every failure, whatever its kind
            logger.warning("readiness check %s failed: %s", name, exc)
            checks[name] = {"status": "fail", "error": str(exc).splitlines()[0] if str(exc) else type(exc).__name__}
        else:
            checks[name] = {"status": "ok"}
    ok = all(c["status"] == "ok" for c in checks.values())
    return JsonResponse({"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503)


def metrics_allowed(remote_addr: str, allowed: list[str]) -> bool:
    """True when `remote_addr` is one of the addresses or networks (CIDR) in METRICS_ALLOWED_IPS."""
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    for entry in allowed:
        try:
            if address in ipaddress.ip_network(entry.strip(), strict=False):
                return True
        except ValueError:
            logger.warning("METRICS_ALLOWED_IPS entry %r is not an address or network", entry)
    return False


@require_safe
def metrics(request):
    """Prometheus exposition of every metric of the process (all workers' in multiprocess mode).

    Only for the operator's scraper: the client address must be in METRICS_ALLOWED_IPS. The direct
    peer address is used, never X-Forwarded-For, which a client can write.
    """
    if not metrics_allowed(request.META.get("REMOTE_ADDR", ""), settings.METRICS_ALLOWED_IPS):
        return HttpResponse(
            "Forbidden: /metrics is served only to the addresses in METRICS_ALLOWED_IPS.\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    from prometheus_client.exposition import choose_encoder

    from cinema_project.observability import metrics_registry

    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encoder(metrics_registry()), content_type=content_type)


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
        return JsonResponse(api_error_body(404), status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse(api_error_body(500), status=500)
    from django.views.defaults import server_error as default_server_error

    return default_server_error(request)
