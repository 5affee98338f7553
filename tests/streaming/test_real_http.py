"""The stream over real HTTP connections (pytest-django's live server): a seek read byte for byte, a
client that goes away mid-stream, and object storage going down."""

from __future__ import annotations

import re
import socket
import struct
import time

import pytest
import requests
from django.test import Client

from streaming import metrics, storage
from tests.factories import EditorFactory, MovieFactory
from tests.services import start_s3_server
from tests.streaming.conftest import pattern_bytes, store_asset, use_s3

SIZE = 6 * 1024 * 1024 + 17
DATA = pattern_bytes(SIZE)


def wait_until(condition, *, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def established_connections_to(port: int) -> int:
    """This process's open TCP connections to 127.0.0.1:`port` (from /proc: no extra dependency)."""
    import os

    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        match = re.fullmatch(r"socket:\[(\d+)\]", target)
        if match:
            inodes.add(match.group(1))
    count = 0
    with open("/proc/self/net/tcp") as table:
        for line in list(table)[1:]:
            fields = line.split()
            remote_port = int(fields[2].split(":")[1], 16)
            if remote_port == port and fields[3] == "01" and fields[9] in inodes:
                count += 1
    return count


def abandon_stream(host: str, port: int, path: str) -> int:
    """Start downloading the whole video, read a little, then reset the connection; bytes read."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)  # the server blocks on a full buffer soon
    sock.settimeout(10)
    sock.connect((host, port))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
    received = 0
    while received < 100_000:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the stream early"
        received += len(chunk)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST, like a closed tab
    sock.close()
    return received


@pytest.mark.django_db(transaction=True)
def test_seek_reads_the_middle_of_the_video_byte_for_byte(video_backend, live_server):
    asset = store_asset(MovieFactory(), DATA)
    stream_url = f"{live_server.url}/api/v1/movies/{asset.movie_id}/stream"
    with requests.Session() as session:
        head = session.head(stream_url, timeout=10)
        assert head.status_code == 200 and int(head.headers["Content-Length"]) == SIZE

        start, end = 3_000_001, 3_999_999  # what a player asks for after a seek
        response = session.get(stream_url, headers={"Range": f"bytes={start}-{end}"}, timeout=10)
        assert response.status_code == 206
        assert response.headers["Content-Range"] == f"bytes {start}-{end}/{SIZE}"
        assert response.content == DATA[start : end + 1]

        resumed = session.get(
            stream_url, headers={"Range": f"bytes={end + 1}-", "If-Range": head.headers["ETag"]}, timeout=10, stream=True
        )
        assert resumed.status_code == 206
        assert b"".join(resumed.iter_content(65536)) == DATA[end + 1 :]


@pytest.mark.django_db(transaction=True)
def test_client_disconnect_closes_the_storage_body(video_backend, live_server, settings):
    settings.S3_MAX_POOL_CONNECTIONS = 2
    storage.reset_s3_client()
    asset = store_asset(MovieFactory(), DATA)
    host, port = live_server.thread.host, live_server.thread.port
    path = f"/api/v1/movies/{asset.movie_id}/stream"
    active = metrics.STREAMS_ACTIVE._value.get()
    aborted = metrics.STREAMS_ABORTED._value.get()

    for _ in range(6):  # more abandoned streams than the pool has connections
        assert abandon_stream(host, port, path) < SIZE
    assert wait_until(lambda: metrics.STREAMS_ABORTED._value.get() == aborted + 6)
    assert wait_until(lambda: metrics.STREAMS_ACTIVE._value.get() == active)
    if video_backend == "s3":
        s3_port = int(settings.S3_ENDPOINT_URL.rsplit(":", 1)[1])
        assert established_connections_to(s3_port) <= 2 + 1  # the pool, plus at most one being closed

    # The pool still serves: a full read right after.
    full = requests.get(f"{live_server.url}{path}", timeout=10)
    assert full.status_code == 200 and full.content == DATA


@pytest.fixture(scope="module")
def own_s3_server():
    """An S3 server this module may stop (the session's is shared with other tests)."""
    server = start_s3_server()
    yield server
    server.close()


@pytest.mark.django_db
def test_storage_down_gives_503_quickly(own_s3_server, settings, sample_video):
    if not own_s3_server.running:
        own_s3_server.start()
    use_s3(settings, f"http://127.0.0.1:{own_s3_server.port}")
    asset = store_asset(MovieFactory(), DATA[:50_000])
    client = Client()
    own_s3_server.stop()
    try:
        started = time.monotonic()
        response = client.get(f"/api/v1/movies/{asset.movie_id}/stream", HTTP_RANGE="bytes=0-99")
        elapsed = time.monotonic() - started
        assert response.status_code == 503
        assert response.json() == {"detail": "Video storage is unreachable; try again shortly.", "code": "storage_unavailable"}
        assert elapsed < 5

        # HEAD needs no storage: the database knows the size.
        assert client.head(f"/api/v1/movies/{asset.movie_id}/stream").status_code == 200

        # An upload while storage is down: a clear message, nothing saved.
        editor = Client()
        editor.force_login(EditorFactory())
        movie = MovieFactory()
        from django.core.files.uploadedfile import SimpleUploadedFile

        page = editor.post(
            "/admin/streaming/videoasset/add/",
            {"movie": movie.pk, "file": SimpleUploadedFile("a.mp4", sample_video)},
            follow=True,
        )
        assert page.status_code == 200
        assert "The video was not saved: Video storage is unreachable" in page.content.decode()
        assert not movie.__class__.objects.filter(pk=movie.pk, video__isnull=False).exists()
    finally:
        own_s3_server.start()
