"""gunicorn settings for `make run` and production: `gunicorn -c gunicorn.conf.py cinema_project.wsgi`.

Threaded workers (gthread), two processes (one per core). How many threads depends on what the
server streams (bench/README.md, "Worker and thread layout", has the measurements):

- STREAMING_MODE=proxy (the embedded mode's default): a video stream holds a thread for its whole
  life, waiting on sockets, so each process runs 128 threads and 200 viewers streaming still leave
  threads for the catalog API (docs/streaming.md). Threads are not database connections: a stream
  gives its connection back before it starts, and catalog requests share the process's pool of
  DATABASE_POOL_MAX_SIZE connections (settings.py), so the thread count never reaches PostgreSQL.
- STREAMING_MODE=redirect or accel (at scale: S3 or nginx sends the bytes): no request waits long,
  and 16 threads per process serve the catalog as fast as 128 with less switching and memory.
  Streams can also be kept off the catalog's capacity with a second gunicorn for /api/v1/movies/*/stream
  behind the proxy.

Every value can be changed from the environment.
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
threads = _int("GUNICORN_THREADS", 128 if os.environ.get("STREAMING_MODE", "proxy") == "proxy" else 16)
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
