"""gunicorn settings for `make run` and production: `gunicorn -c gunicorn.conf.py cinema_project.wsgi`.

Threaded workers (gthread): a video stream spends its life waiting on sockets (storage in, viewer
out), so each one holds a thread, not a process. Two processes (one per core) with 128 threads each
serve ~250 concurrent requests, so 200 viewers streaming still leave threads for the catalog API.
See docs/streaming.md for the figures. Every value can be changed from the environment.
"""

import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    try:
        return int(raw) if raw else default
    except ValueError:
        raise SystemExit(f"gunicorn.conf.py: {name} must be a whole number, got {raw!r}") from None


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8002")
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = _int("GUNICORN_WORKERS", max(os.cpu_count() or 1, 2))
threads = _int("GUNICORN_THREADS", 128)
# gthread: connections one worker keeps open (streaming and keep-alive ones together).
worker_connections = _int("GUNICORN_WORKER_CONNECTIONS", 1000)
# With gthread the timeout watches the worker's main loop, not a request: long streams are fine.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# The app logs each request itself (core.middleware); "off" silences gunicorn's own access log.
accesslog = None if os.environ.get("GUNICORN_ACCESSLOG", "-") in {"", "off"} else os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# Admin uploads are spooled to temporary files by Django; no request-size limit beyond Django's.
limit_request_line = 8190


# Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE (413) without reading it. gunicorn then drains
# at most 64 KB of the unread body before reusing the connection, and closes it when there is more:
# after answering "Connection: keep-alive", so a client's next request on it was lost. Announcing the
# close makes the client open a new connection instead (RFC 9112 section 9.6).
_body_limit = _int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)


def pre_request(worker, req):
    """Answer a request whose body is over the limit (or of unknown length) with "Connection: close"."""
    length = None
    for name, value in req.headers:
        if name == "CONTENT-LENGTH" and value.isdigit():
            length = int(value)
    chunked = type(getattr(req.body, "reader", None)).__name__ == "ChunkedReader"
    if chunked or (length is not None and length > _body_limit):
        req.must_close = True
    worker.log.debug("%s %s", req.method, req.path)


def child_exit(server, worker):
    """Forget a dead worker's live gauges (active streams) in prometheus_client's multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
