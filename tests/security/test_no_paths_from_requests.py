"""Nothing a client sends becomes a file path or a storage key.

The stream view finds the object by the movie's stored asset (the client names a movie id), the web app
serves its one index.html for any path, and static files come from whitenoise's own index. Hostile
paths and parameters get a normal answer, never another file. (Upload names: tests/streaming; feed and
CMS locations: tests/etl.)
"""

from __future__ import annotations

import pytest

from tests.streaming.conftest import store_asset, use_filesystem

pytestmark = pytest.mark.django_db

TRAVERSALS = [
    "/../../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/static/../../manage.py",
    "/static/%2e%2e/%2e%2e/cinema_project/settings.py",
    "/assets/..%2f..%2fmanage.py",
    "/..%5c..%5cmanage.py",
    "/api/v1/movies/..%2f..%2fsettings/",
    "/etc/passwd%00.js",
]
LEAKS = [b"root:x:0:0", b"SECRET_KEY", b"DJANGO_SETTINGS_MODULE", b"import environ"]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_paths_never_return_a_file_of_the_server(client, path):
    response = client.get(path)
    assert response.status_code < 500, (path, response.status_code)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    for leak in LEAKS:
        assert leak not in body, (path, leak)


def test_stream_ignores_anything_but_the_movie_id(client, catalog, settings, tmp_path):
    root = use_filesystem(settings, tmp_path / "objects")
    (tmp_path / "outside.txt").write_bytes(b"not a video: outside the object store")
    store_asset(catalog["published"], b"the-real-video")
    url = f"/api/v1/movies/{catalog['published'].pk}/stream"
    for params in ({"key": "../outside.txt"}, {"path": str(tmp_path / "outside.txt")}, {"file": "/etc/passwd"}):
        response = client.get(url, params)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"the-real-video"
    for bad in ("../outside.txt", "%2e%2e%2foutside.txt", "1%2f..%2f..%2foutside.txt", "-1", "1.0"):
        response = client.get(f"/api/v1/movies/{bad}/stream")
        assert response.status_code == 404, bad
    stored = [p.relative_to(root) for p in root.rglob("*") if p.is_file()]
    assert stored and all(p.parts[0] == "videos" for p in stored)  # only the key the server made
