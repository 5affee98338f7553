"""Hostile input and load against the production server (gunicorn with gunicorn.conf.py, PostgreSQL).

In-process tests cannot see what the HTTP server does with a connection: whether the request after a
413 on a kept-alive connection is answered, whether a deep body kills a worker thread, whether many
parallel readers and writers ever get a 5xx.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest

from tests.security.live import read_response, start_live_app, wait_until_ready

pytestmark = [pytest.mark.slow]

LIMIT = 64 * 1024  # DATA_UPLOAD_MAX_MEMORY_SIZE of the server under test


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    app = start_live_app(tmp_path_factory.mktemp("var"), DATA_UPLOAD_MAX_MEMORY_SIZE=str(LIMIT))
    wait_until_ready(app)
    yield app
    app.close()


def _request(method: str, path: str, *, body: bytes = b"", content_type: str = "application/json", headers: dict | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    if body or method in ("POST", "PUT", "PATCH"):
        lines += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _send_in_background(sock: socket.socket, data: bytes) -> threading.Thread:
    """The client sends its whole body as a real one does, while the answer may already be coming."""

    def send():
        try:
            sock.sendall(data)
        except OSError:
            pass  # the server closed its side after answering: what a client sees then

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("excess", [1, 32 * 1024, 512 * 1024, 4 * 1024 * 1024], ids=["1B", "32KB", "512KB", "4MB"])
def test_the_request_after_a_413_is_answered(live, excess):
    """A keep-alive client posts an oversized body, reads the 413, then sends its next request: on the
    same connection when the server said keep-alive, on a new one when it said close. Every try must
    get its 413 and its next answer (it failed about 1 in 3 before the server announced the close)."""
    movie = live.ids["movies"][0]
    oversized = _request("POST", "/api/v1/activity/events", body=b'{"events": [' + b" " * (LIMIT + excess) + b"]}")
    for attempt in range(12):
        sock = socket.create_connection(("127.0.0.1", live.port), timeout=10)
        sender = _send_in_background(sock, oversized)
        first = read_response(sock)
        assert first.status == 413, (attempt, first.status, first.body[:200])
        assert json.loads(first.body)["code"] == "request_too_large"
        sender.join(timeout=10)
        if first.closes:
            sock.close()
            sock = socket.create_connection(("127.0.0.1", live.port), timeout=10)
        sock.sendall(_request("GET", f"/api/v1/movies/{movie}/"))
        try:
            second = read_response(sock)
        except (ConnectionError, OSError) as exc:
            pytest.fail(f"try {attempt}: the request after the 413 (keep-alive announced: {not first.closes}) was lost: {exc}")
        finally:
            sock.close()
        assert second.status == 200, (attempt, second.status)


def test_hostile_bodies_over_real_http_are_400_json(live):
    auth = {"Authorization": f"Token {live.token}"}
    bodies = [b"[" * 1000 + b"]" * 1000, b'{"a":' * 700 + b"1" + b"}" * 700, b'{"events": [NaN]}', b'{"movie": 1e999}', b"[" * 60_000]
    targets = [("POST", "/api/v1/activity/events", "application/json"), ("POST", "/api/v1/activity/events", "text/plain"),
               ("POST", "/api/v1/overrides/", "application/json"), ("PATCH", f"/api/v1/overrides/{live.ids['overrides'][0]}/", "application/json")]
    with socket.create_connection(("127.0.0.1", live.port), timeout=10) as sock:
        for method, path, content_type in targets:
            for body in bodies:
                sock.sendall(_request(method, path, body=body, content_type=content_type, headers=auth))
                response = read_response(sock)
                assert response.status == 400, (method, path, content_type, body[:20], response.status, response.body[:300])
                assert "detail" in json.loads(response.body)
                assert not response.closes  # the worker and the connection live on
    # The server is still answering normally.
    with urllib.request.urlopen(f"{live.base_url}/api/v1/movies/", timeout=10) as answer:
        assert answer.status == 200


def _event_batch(movie_id: int, viewer: str) -> dict:
    now = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    session = str(uuid.uuid4())
    return {"events": [
        {"event_id": str(uuid.uuid4()), "type": "play", "movie_id": movie_id, "session_id": session,
         "viewer_id": viewer, "position": 0, "occurred_at": now, "duration": 120},
        {"event_id": str(uuid.uuid4()), "type": "progress", "movie_id": movie_id, "session_id": session,
         "viewer_id": viewer, "position": 30, "occurred_at": now, "duration": 120},
    ]}


def test_mixed_reads_and_writes_under_load_never_get_a_5xx(live):
    """16 clients for about 20 seconds: catalog and people reads, searches, event batches, override edits
    (each client its own override, and all of them racing on one), hostile bodies among them."""
    movies, people, overrides = live.ids["movies"], live.ids["people"], live.ids["overrides"]
    auth = {"Authorization": f"Token {live.token}", "Content-Type": "application/json"}
    deadline = time.monotonic() + 20
    statuses: dict[int, int] = {}
    failures: list[str] = []
    lock = threading.Lock()

    def call(method: str, path: str, body: object = None, headers: dict | None = None) -> None:
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        request = urllib.request.Request(live.base_url + path, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
            body_text = exc.read()[:200]
            if status >= 500:
                with lock:
                    failures.append(f"{method} {path}: {status} {body_text!r}")
        except OSError as exc:
            status = 0
            with lock:
                failures.append(f"{method} {path}: {exc}")
        with lock:
            statuses[status] = statuses.get(status, 0) + 1

    def client(n: int) -> None:
        rng = random.Random(n)
        viewer = f"load-{n}"
        while time.monotonic() < deadline:
            choice = rng.random()
            if choice < 0.35:
                call("GET", rng.choice(["/api/v1/movies/", f"/api/v1/movies/{rng.choice(movies)}/",
                                        f"/api/v1/movies/{rng.choice(movies)}/credits/", "/api/v1/people/",
                                        f"/api/v1/people/{rng.choice(people)}/", "/api/v1/overrides/"]))
            elif choice < 0.45:
                call("GET", rng.choice(["/api/v1/movies/?q=live", "/api/v1/people/?q=actor", "/api/v1/movies/?q=%00",
                                        "/api/v1/movies/%EF%BC%91/", "/api/v1/movies/?limit=%EF%BC%91"]))
            elif choice < 0.7:
                call("POST", "/api/v1/activity/events", _event_batch(rng.choice(movies), viewer),
                     {"Content-Type": "application/json", "X-Viewer-Id": viewer})
            elif choice < 0.8:
                call("GET", "/api/v1/me/continue-watching", headers={"X-Viewer-Id": viewer})
            elif choice < 0.95:
                target = overrides[n % len(overrides)] if rng.random() < 0.5 else overrides[0]
                call("PATCH", f"/api/v1/overrides/{target}/", {"text": f"edit by {n} at {time.monotonic()}"}, auth)
            else:
                call("POST", "/api/v1/activity/events", b"[" * 2000 + b"]" * 2000, {"Content-Type": "text/plain"})

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(client, range(16)))
    total = sum(statuses.values())
    print(f"mixed load: {total} requests in 20 s, statuses {dict(sorted(statuses.items()))}")
    assert total > 200, statuses
    assert not failures, f"{len(failures)} failures, e.g.: " + "\n".join(failures[:10])
