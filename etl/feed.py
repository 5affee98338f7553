"""Incremental reading of the partner feed: one record at a time, memory independent of the file size."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import ijson

from etl.exceptions import FeedError, SourceUnavailable
from etl.sources import OpenedSource

BUFFER_SIZE = 64 * 1024
_SHAPES = {"start_map": "an object", "string": "a string", "number": "a number", "boolean": "a boolean", "null": "null"}


def iter_feed_records(opened: OpenedSource) -> Iterator[tuple[int, object]]:
    """(record number from 1, parsed record) for each element of the feed's top-level list.

    A feed that is not JSON, not a list, or breaks off half way raises FeedError naming the source
    and where the parser stopped; records themselves are validated by the caller.
    """
    reader = opened.reader
    number = 0
    try:
        events = ijson.parse(reader, buf_size=BUFFER_SIZE, use_float=True)
        try:
            first = next(events, None)
        except ijson.IncompleteJSONError as exc:
            if "premature EOF" not in str(exc):
                raise
            first = None
        if first is None:
            raise FeedError(f"{opened.name}: the feed is empty (expected a JSON list of movies)")
        if first[1] != "start_array":
            raise FeedError(
                f"{opened.name}: the feed's top level is {_SHAPES.get(first[1], first[1])}, expected a list of movies"
            )
        for number, record in enumerate(ijson.items(itertools.chain([first], events), "item"), start=1):  # noqa: B007
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


def _one_line(exc: Exception) -> str:
    """yajl's message is three lines (reason, context, caret): keep the reason and the context."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    reason = lines[0]
    context = next((line for line in lines[1:] if "(right here)" not in line), "")
    return f"{reason} near {context[:60]!r}" if context else reason
