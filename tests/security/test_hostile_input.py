"""Hostile input on every API operation of the schema: never a 5xx, always a JSON body with `detail`.

Bodies nested thousands deep, NaN and infinite numbers, integers of thousands of digits, NUL
characters and lone surrogates, bytes that are not UTF-8, the wrong content type, oversized bodies;
ids in paths and integer query parameters written as floats, negatives, full-width digits or
out-of-range values. The operations come from the OpenAPI schema, so a new endpoint is covered.
"""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client

from tests.security.endpoints import api_operations, path_values

pytestmark = pytest.mark.django_db

DEEP_ARRAY = b"[" * 1000 + b"]" * 1000  # the 2 KB body of the issue
DEEP_OBJECT = b'{"a":' * 400 + b"1" + b"}" * 400
DEEP_INSIDE_A_BATCH = b'{"events": [' + b"[" * 1000 + b"]" * 1000 + b"]}"
UNCLOSED = b"[" * 100_000

# Bodies every JSON operation must refuse with 400 and a `detail` naming the problem.
REFUSED_BODIES = {
    "deep array": (DEEP_ARRAY, "nests more than"),
    "deep object": (DEEP_OBJECT, "nests more than"),
    "deep inside a batch": (DEEP_INSIDE_A_BATCH, "nests more than"),
    "unclosed brackets": (UNCLOSED, "nests more than"),
    "NaN": (b'{"text": NaN, "movie": 1, "events": []}', "NaN"),
    "Infinity": (b'{"position": -Infinity}', "Infinity"),
    "overflowing float": (b'{"movie": 1e999, "events": [{"position": 1e999}]}', "too large"),
    "4300+ digit integer": (b'{"movie": ' + b"9" * 5000 + b"}", "digits"),
    "NUL character": (b'{"text": "a\\u0000b", "language": "en", "events": [{"viewer_id": "\\u0000"}]}', "NUL"),
    "lone surrogate": (b'{"text": "\\ud800", "language": "en"}', "surrogate"),
    "not UTF-8": (b'{"text": "\xff\xfe"}', "JSON parse error"),
    "raw control character": (b'{"text": "a\x01b"}', "JSON parse error"),
    "truncated": (b'{"events": [', "JSON parse error"),
}

# Bodies that are valid JSON but hostile in their values: any 4xx, never a 5xx.
ODD_VALUES = [
    {"movie": 10**30, "language": "en", "text": "t"},
    {"movie": -(10**30), "language": "en", "text": "t"},
    {"movie": 1.5, "language": "en", "text": "t"},
    {"movie": "１", "language": "en", "text": "t"},
    {"movie": True, "language": "en", "text": "t"},
    {"movie": None, "language": None, "text": None},
    {"movie": [1], "language": {"a": 1}, "text": ["x"]},
    {"text": "\x1b[31m\u202e\ufeff" * 100, "language": "e\nn"},
    {"events": [{"event_id": "x", "movie_id": 10**30, "position": 1e308, "viewer_id": "\u202e" * 64}]},
    {"events": [{"movie_id": 1.5, "position": -0.0, "occurred_at": "9999-99-99T99:99:99Z"}]},
    {"events": [None, 1, "x", [], {}]},
    [],
    "just a string",
    12,
]

WRONG_CONTENT_TYPES = ["application/xml", "text/csv", "application/x-www-form-urlencoded; charset=bz2_codec", "image/png"]


def _ids(catalog) -> dict[str, object]:
    movie = catalog["published"].pk
    # The viewer's own lists name a movie; image and seek-preview paths name a width and a sheet after
    # their ids (keyed by the parameter before them): no such objects here, a 404 is a fine answer.
    return {"movies": movie, "people": catalog["person"].pk, "overrides": catalog["override"].pk,
            "list": movie, "history": movie, "sessions": 1, "images": 1, "{image_id}": 320, "trickplay": 1, "{track_id}": 0}


def _role_for(operation, default: str = "anonymous") -> str:
    """The viewer's own endpoints (/me/...) answer only a signed-in user; the rest are judged as `default`."""
    return "superuser" if operation.path.startswith("/api/v1/me/") else default


def _json_operations():
    return [op for op in api_operations() if op.takes_json]


def _media_types(operation) -> list[str]:
    return sorted({"application/json", "text/plain"} & set(operation.operation["requestBody"]["content"]))


@pytest.fixture
def clients(superuser) -> dict[str, Client]:
    """Anonymous, and a superuser (past every permission check, so the body itself is judged)."""
    admin = Client(raise_request_exception=False)
    admin.force_login(superuser)
    return {"anonymous": Client(raise_request_exception=False), "superuser": admin}


def _assert_json_error(response, context, *, statuses=None):
    assert response.status_code < 500, (context, response.status_code, response.content[:300])
    assert 400 <= response.status_code, (context, response.status_code)
    if statuses is not None:
        assert response.status_code in statuses, (context, response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), (context, response["Content-Type"])
    body = response.json()
    assert isinstance(body, dict) and body, (context, body)
    return body


def test_hostile_bodies_are_refused_with_400_on_every_json_operation(clients, catalog, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200_000  # the unclosed-brackets body is 100 KB
    operations = _json_operations()
    assert len(operations) >= 4, "the schema lists too few JSON operations"
    for operation in operations:
        url = operation.url(path_values(operation, _ids(catalog)))
        for media_type in _media_types(operation):
            for name, (body, message) in REFUSED_BODIES.items():
                for role in ("superuser", "anonymous") if operation.path.endswith("events") else ("superuser",):
                    context = (str(operation), media_type, name, role)
                    cache.clear()  # the sign-in and email throttles would answer 429 before the body is read
                    response = clients[role].generic(operation.method.upper(), url, body, content_type=media_type)
                    detail = _assert_json_error(response, context, statuses={400})["detail"]
                    assert message in detail, (context, detail)


def test_odd_values_in_valid_json_are_never_a_server_error(clients, catalog):
    for operation in _json_operations():
        url = operation.url(path_values(operation, _ids(catalog)))
        for media_type in _media_types(operation):
            for value in ODD_VALUES:
                response = clients["superuser"].generic(operation.method.upper(), url, json.dumps(value), content_type=media_type)
                assert response.status_code < 500, (str(operation), media_type, value, response.status_code, response.content[:300])
                assert response["Content-Type"].startswith("application/json"), (str(operation), value)


def test_wrong_content_types_are_415_json(clients, catalog):
    for operation in _json_operations():
        url = operation.url(path_values(operation, _ids(catalog)))
        for content_type in WRONG_CONTENT_TYPES:
            response = clients["superuser"].generic(operation.method.upper(), url, b"<a>1</a>", content_type=content_type)
            context = (str(operation), content_type)
            if "charset=bz2_codec" in content_type and content_type.startswith("application/x-www-form-urlencoded"):
                # A form is a type the API takes; the charset is what is refused (a decompression bomb).
                _assert_json_error(response, context, statuses={400, 415})
            else:
                assert "detail" in _assert_json_error(response, context, statuses={415}), context


def test_oversized_bodies_are_413_json_everywhere(clients, catalog, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_048
    for operation in _json_operations():
        url = operation.url(path_values(operation, _ids(catalog)))
        for media_type in _media_types(operation):
            body = b'{"text": "' + b"[" * 5_000 + b'"}'
            response = clients["anonymous" if operation.path.endswith("events") else "superuser"].generic(
                operation.method.upper(), url, body, content_type=media_type
            )
            assert _assert_json_error(response, (str(operation), media_type), statuses={413})["code"] == "request_too_large"


BAD_IDS = ["0.5", "-1", "0", "007", "１２", "1e3", "0x10", "99999999999999999999", "1%00", "%20 1", "1_0", "NaN"]


def test_malformed_ids_in_paths_are_404_json_in_every_mode(clients, catalog, settings):
    """Ids are ASCII digits without sign, point or leading zero (core.paths); `\\d` and int() would also
    take full-width digits such as `１２`, which are refused here like any other non-id."""
    for debug in (False, True):
        settings.DEBUG = debug
        for operation in api_operations():
            if not operation.path_params:
                continue
            good = path_values(operation, _ids(catalog))
            for bad in BAD_IDS:
                url = operation.url({name: bad for name in good})
                for role in ("anonymous", "superuser"):
                    response = clients[role].generic(operation.method.upper(), url)
                    context = (str(operation), bad, role, f"DEBUG={debug}")
                    assert _assert_json_error(response, context, statuses={404})["detail"], context


def test_the_issue_urls_answer_json_with_debug_on(clients, catalog, settings):
    settings.DEBUG = True
    for url in ("/api/v1/movies/0.5/credits/", "/api/v1/movies/-1/stream", "/api/v1/nothing-here", "/api/", "/api/v2/movies/"):
        response = clients["anonymous"].get(url)
        assert _assert_json_error(response, url, statuses={404}) == {"detail": "Not found.", "code": "not_found"}, url
    # A non-API path keeps Django's debug page for the developer.
    response = clients["anonymous"].get("/admin/no-such-page/")
    assert response.status_code in (302, 404) and not response["Content-Type"].startswith("application/json")


def test_method_not_allowed_is_json(clients, catalog):
    response = clients["anonymous"].delete(f"/api/v1/movies/{catalog['published'].pk}/")
    body = _assert_json_error(response, "DELETE movie", statuses={405})
    assert "detail" in body


def _integer_query_parameters():
    for operation in api_operations():
        if operation.method != "get":
            continue
        for parameter in operation.operation.get("parameters", []):
            if parameter["in"] == "query" and parameter.get("schema", {}).get("type") == "integer":
                yield operation, parameter["name"]


BAD_INTEGERS = ["1.5", "１２", "-1", "0", "99999999999999999999999", "9" * 5000, "NaN", "1e9", " 1", "1_0", "\x00", "0x1"]


def test_integer_query_parameters_never_fail_with_a_server_error(clients, catalog):
    pairs = list(_integer_query_parameters())
    assert len(pairs) >= 6, pairs
    for operation, name in pairs:
        url = operation.url(path_values(operation, _ids(catalog)))
        for bad in BAD_INTEGERS:
            response = clients["anonymous"].get(url, {name: bad}, HTTP_X_VIEWER_ID="hostile-viewer")
            assert response.status_code < 500, (str(operation), name, bad, response.status_code, response.content[:300])
            assert response["Content-Type"].startswith("application/json"), (str(operation), name, bad)


@pytest.mark.parametrize("bad", ["1.5", "１２", " 1", "1_0", "+1", "9" * 40])
def test_limit_and_offset_take_ascii_whole_numbers_only(clients, catalog, bad):
    for operation in api_operations():
        if not operation.paginated:
            continue
        url = operation.url(path_values(operation, _ids(catalog)))
        for name in ("limit", "offset"):
            response = clients[_role_for(operation)].get(url, {name: bad}, HTTP_X_VIEWER_ID="hostile-viewer")
            body = _assert_json_error(response, (str(operation), name, bad), statuses={400})
            assert name in body, body


def test_control_characters_in_text_query_parameters_never_fail(clients, catalog):
    for operation in api_operations():
        if operation.method != "get":
            continue
        url = operation.url(path_values(operation, _ids(catalog)))
        for parameter in operation.operation.get("parameters", []):
            if parameter["in"] != "query" or parameter.get("schema", {}).get("type") == "integer":
                continue
            # Percent-encoded by hand: NUL, a lone surrogate (not UTF-8), bidi and escape codes, a bare
            # %, SQL, and a long value.
            for bad in ("%00", "a%00b", "%ED%A0%80", "%E2%80%AE%1B%5B0m", "%", "%27%3B%20DROP%20TABLE%20x%3B--", "x" * 10_000):
                response = clients["anonymous"].get(f"{url}?{parameter['name']}={bad}", HTTP_X_VIEWER_ID="hostile-viewer")
                assert response.status_code < 500, (str(operation), parameter["name"], bad[:20], response.status_code)


def test_hostile_headers_never_fail(clients, catalog):
    headers = {
        "HTTP_X_VIEWER_ID": "\x00" * 10,
        "HTTP_RANGE": "bytes=99999999999999999999999-",
        "HTTP_IF_NONE_MATCH": '"' + "a" * 10_000,
        "HTTP_IF_MODIFIED_SINCE": "Sun, 99 Foo 99999 99:99:99 GMT",
        "HTTP_ACCEPT": "application/json; q=NaN, */*; q=1e999",
        "HTTP_ACCEPT_LANGUAGE": "x" * 5_000,
    }
    for operation in api_operations():
        if operation.method != "get":
            continue
        url = operation.url(path_values(operation, _ids(catalog)))
        response = clients["anonymous"].get(url, **headers)
        assert response.status_code < 500, (str(operation), response.status_code, response.content[:300])
