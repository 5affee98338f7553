"""Incremental reading of the partner feed: one record at a time, memory independent of the file size."""

from __future__ import annotations

from collections.abc import Iterator

import ijson

from etl.exceptions import FeedError, SourceUnavailable
from etl.sources import OpenedSource

BUFFER_SIZE = 64 * 1024


def iter_feed_records(opened: OpenedSource) -> Iterator[tuple[int, object]]:
    """(record number from 1, parsed record) for each element of the feed's top-level list.

    A feed that is not JSON, not a list, or breaks off half way raises FeedError naming the source
    and where the parser stopped; records themselves are validated by the caller.
    """
    reader = opened.reader
    number = 0
    try:
        head = _top_level(opened)
        # ijson's C backend does the whole file -> records pipeline in C when it reads the file itself.
        records = ijson.items(_Replay(head, reader), "item", use_float=True, buf_size=BUFFER_SIZE)
        for number, record in enumerate(records, start=1):  # noqa: B007
            yield number, record
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        raise FeedError(
            f"{opened.name}: malformed JSON after record {number}, within the first {reader.bytes_read} bytes: "
            f"{_one_line(exc)}"
        ) from None
    except (OSError, ConnectionError) as exc:
        raise SourceUnavailable(f"{opened.name}: reading stopped after record {number}: {exc}") from exc
    except Exception as exc:
        # botocore's streaming body raises its own errors (ReadTimeoutError, IncompleteReadError).
        if type(exc).__module__.startswith(("botocore", "urllib3")):
            raise SourceUnavailable(f"{opened.name}: reading stopped after record {number}: {exc}") from exc
        raise


_SHAPES = {ord("{"): "an object", ord('"'): "a string", ord("t"): "a boolean", ord("f"): "a boolean", ord("n"): "null"}


def _top_level(opened: OpenedSource) -> bytes:
    """The bytes read to find the first JSON token, which must open a list; raises FeedError otherwise."""
    head = b""
    while True:
        chunk = opened.reader.read(BUFFER_SIZE)
        head += chunk
        stripped = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
        if stripped or not chunk:
            break
    if not stripped:
        raise FeedError(f"{opened.name}: the feed is empty (expected a JSON list of movies)")
    first = stripped[0]
    if first == ord("["):
        return head.removeprefix(b"\xef\xbb\xbf")  # a byte order mark, as some exporters write, is not JSON
    shape = _SHAPES.get(first) or ("a number" if chr(first) in "-0123456789" else None)
    if first in b"tfn" and not stripped.startswith((b"true", b"false", b"null")):
        shape = None
    if shape is None:
        raise FeedError(f"{opened.name}: malformed JSON at the start: {stripped[:20]!r} is not a JSON value")
    raise FeedError(f"{opened.name}: the feed's top level is {shape}, expected a list of movies")


class _Replay:
    """A reader that first returns `head` (already read), then continues with `reader`."""

    def __init__(self, head: bytes, reader):
        self.head = head
        self.reader = reader

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson probes read(0) for the stream's type
            return b""
        if self.head:
            chunk, self.head = self.head, b""
            return chunk
        return self.reader.read(size)


def _one_line(exc: Exception) -> str:
    """yajl's message is three lines (reason, context, caret): keep the reason and the context."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    reason = lines[0]
    context = next((line for line in lines[1:] if "(right here)" not in line), "")
    return f"{reason} near {context[:60]!r}" if context else reason
