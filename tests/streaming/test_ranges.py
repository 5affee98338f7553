"""The Range / If-Range rules (streaming.ranges): examples from RFC 9110 and properties over any input."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from django.utils.http import http_date
from hypothesis import given
from hypothesis import strategies as st

from streaming.ranges import ByteRange, RangeNotSatisfiable, if_range_allows_partial, parse_range

SIZE = 10_000


@pytest.mark.parametrize(
    "header, expected",
    [
        ("bytes=0-499", (0, 499)),
        ("bytes=500-999", (500, 999)),
        ("bytes=9500-", (9500, 9999)),
        ("bytes=-500", (9500, 9999)),
        ("bytes=0-0", (0, 0)),
        ("bytes=-1", (9999, 9999)),
        ("bytes=9999-9999", (9999, 9999)),
        ("bytes=9000-20000", (9000, 9999)),  # last-pos past the end is clamped
        ("bytes=-20000", (0, 9999)),  # suffix longer than the representation: all of it
        ("BYTES=1-2", (1, 2)),  # the unit is case-insensitive
        (" bytes=1-2 ", (1, 2)),
        ("bytes=1-2,", (1, 2)),  # empty list elements are allowed
        ("bytes= ,1-2", (1, 2)),
    ],
)
def test_single_ranges(header, expected):
    byte_range = parse_range(header, SIZE)
    assert (byte_range.start, byte_range.end) == expected
    assert byte_range.content_range == f"bytes {expected[0]}-{expected[1]}/{SIZE}"


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "bytes",
        "bytes=",
        "bytes=-",
        "bytes=abc",
        "bytes=5-2",  # last < first: invalid, so ignored
        "bytes=1-2-3",
        "bytes=+1-2",
        "bytes=1 -2",
        "bytes=0x10-20",
        "bytes=١-٢",  # non-ASCII digits
        "bytes=1_0-20",
        "items=0-5",  # another unit
        "bytes 0-5",
        "=0-5",
        "bytes=0-5, 6-10",  # several ranges: the whole body
        "bytes=0-0,-1",
        "bytes=0-1,99999-",  # one satisfiable among several: still the whole body
        "bytes=" + ",".join(["1-2"] * 17),  # too many ranges
        "bytes=0-" + "9" * 2000,  # too long
    ],
)
def test_whole_representation(header):
    assert parse_range(header, SIZE) is None


@pytest.mark.parametrize("header", ["bytes=10000-", "bytes=10000-10001", "bytes=-0", "bytes=20000-30000,10000-"])
def test_unsatisfiable(header):
    with pytest.raises(RangeNotSatisfiable) as info:
        parse_range(header, SIZE)
    assert info.value.content_range == f"bytes */{SIZE}"


def test_empty_representation_has_no_satisfiable_position():
    with pytest.raises(RangeNotSatisfiable):
        parse_range("bytes=0-", 0)
    with pytest.raises(RangeNotSatisfiable):
        parse_range("bytes=-5", 0)


# --- properties -------------------------------------------------------------------------------

sizes = st.integers(min_value=1, max_value=10**12)


@given(st.text(max_size=60), sizes)
def test_any_header_gives_a_range_inside_the_representation_or_none_or_416(header, size):
    try:
        byte_range = parse_range(header, size)
    except RangeNotSatisfiable as exc:
        assert exc.size == size
        return
    if byte_range is not None:
        assert 0 <= byte_range.start <= byte_range.end < size
        assert byte_range.length == byte_range.end - byte_range.start + 1


@given(st.integers(0, 10**12), st.integers(0, 10**12), sizes)
def test_first_last(first, last, size):
    header = f"bytes={first}-{last}"
    if last < first:
        assert parse_range(header, size) is None
    elif first >= size:
        with pytest.raises(RangeNotSatisfiable):
            parse_range(header, size)
    else:
        assert parse_range(header, size) == ByteRange(first, min(last, size - 1), size)


@given(st.integers(0, 10**12), sizes)
def test_open_ended(first, size):
    if first >= size:
        with pytest.raises(RangeNotSatisfiable):
            parse_range(f"bytes={first}-", size)
    else:
        assert parse_range(f"bytes={first}-", size) == ByteRange(first, size - 1, size)


@given(st.integers(0, 10**12), sizes)
def test_suffix(length, size):
    if length == 0:
        with pytest.raises(RangeNotSatisfiable):
            parse_range(f"bytes=-{length}", size)
    else:
        byte_range = parse_range(f"bytes=-{length}", size)
        assert byte_range.end == size - 1
        assert byte_range.length == min(length, size)


@given(st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 1000)), min_size=2, max_size=5), sizes)
def test_several_ranges_are_never_partial(pairs, size):
    header = "bytes=" + ", ".join(f"{a}-{a + b}" for a, b in pairs)
    try:
        assert parse_range(header, size) is None
    except RangeNotSatisfiable:
        assert all(a >= size for a, _ in pairs)


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=40))
def test_no_header_outside_the_grammar_is_ever_partial(tail):
    # Anything that is not digits-dash-digits is ignored, never half-understood.
    header = f"bytes=x{tail}"
    assert parse_range(header, SIZE) is None


# --- If-Range ---------------------------------------------------------------------------------

ETAG = '"abc123"'
MODIFIED = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "value, allowed",
    [
        (None, True),
        ('"abc123"', True),
        ('"other"', False),
        ('W/"abc123"', False),  # weak tags never match (strong comparison)
        (http_date(MODIFIED.timestamp()), True),
        (http_date((MODIFIED - timedelta(seconds=1)).timestamp()), False),
        (http_date((MODIFIED + timedelta(days=1)).timestamp()), False),
        ("not a date", False),
        ("", False),
    ],
)
def test_if_range(value, allowed):
    assert if_range_allows_partial(value, etag=ETAG, last_modified=MODIFIED) is allowed


@given(st.text(max_size=40))
def test_if_range_allows_partial_only_for_the_current_validators(value):
    allowed = if_range_allows_partial(value, etag=ETAG, last_modified=MODIFIED)
    stripped = value.strip(" \t")
    if allowed:
        assert stripped == ETAG or (not stripped.startswith(('"', "W/")) and stripped != "")
    if stripped == ETAG:
        assert allowed
