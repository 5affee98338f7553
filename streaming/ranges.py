"""HTTP byte ranges (RFC 9110 §14): parse `Range`, evaluate `If-Range`. Pure functions, no Django request.

The stream view asks `plan_range(...)` what to send: the whole representation, one byte range, or
"not satisfiable" (416). Only single ranges are served as 206; a header with several ranges is
answered with the whole body, which RFC 9110 allows (a server MAY ignore Range) and which every
video player handles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.utils.http import parse_http_date_safe

# Headers longer than this, or with more ranges, are ignored: nobody seeks with them, and parsing
# them costs the server (the "many ranges" denial of service, CVE-2011-3192).
MAX_HEADER_LENGTH = 1024
MAX_RANGES = 16

_RANGE_SPEC = re.compile(r"([0-9]*)-([0-9]*)", re.ASCII)
_UNIT = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", re.ASCII)  # an RFC 9110 token
_OWS = " \t"


@dataclass(frozen=True)
class ByteRange:
    """Bytes `start`..`end` (both inclusive) of a representation of `size` bytes."""

    start: int
    end: int
    size: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    @property
    def content_range(self) -> str:
        return f"bytes {self.start}-{self.end}/{self.size}"


class RangeNotSatisfiable(Exception):
    """The Range header is valid but selects no byte of the representation (answer 416)."""

    def __init__(self, size: int):
        super().__init__(f"no requested range starts before byte {size}")
        self.size = size

    @property
    def content_range(self) -> str:
        return f"bytes */{self.size}"


@dataclass(frozen=True)
class _Spec:
    first: int | None  # None: a suffix range ("-n")
    last: int | None  # None: open-ended ("a-") ; for a suffix range, the suffix length


def _parse_specs(header: str) -> list[_Spec] | None:
    """The range-specs of a `bytes=` header, or None when the header is not a valid bytes range set."""
    if len(header) > MAX_HEADER_LENGTH:
        return None
    unit, sep, range_set = header.strip(_OWS).partition("=")
    if not sep or not _UNIT.fullmatch(unit) or unit.lower() != "bytes":
        return None
    specs: list[_Spec] = []
    # A list (`1#range-spec`): empty elements and whitespace around commas are allowed.
    for element in range_set.split(","):
        element = element.strip(_OWS)
        if not element:
            continue
        match = _RANGE_SPEC.fullmatch(element)
        if match is None:
            return None
        first, last = match.group(1), match.group(2)
        if first:
            spec = _Spec(int(first), int(last) if last else None)
            if spec.last is not None and spec.last < spec.first:
                return None  # RFC 9110 §14.1.1: invalid, so the whole header is ignored
        elif last:
            spec = _Spec(None, int(last))
        else:
            return None  # "-" alone
        specs.append(spec)
        if len(specs) > MAX_RANGES:
            return None
    return specs or None


def _resolve(spec: _Spec, size: int) -> ByteRange | None:
    """The bytes `spec` selects, clamped to the representation; None when it selects none."""
    if spec.first is None:
        suffix = spec.last or 0
        if suffix == 0 or size == 0:
            return None
        return ByteRange(max(size - suffix, 0), size - 1, size)
    if spec.first >= size:
        return None
    end = size - 1 if spec.last is None else min(spec.last, size - 1)
    return ByteRange(spec.first, end, size)


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The single byte range that `header` asks of a `size`-byte representation.

    None means "send the whole representation": no header, a syntactically invalid one, another
    unit, or several ranges. Raises RangeNotSatisfiable when no requested range overlaps the bytes.
    """
    if header is None:
        return None
    specs = _parse_specs(header)
    if specs is None:
        return None
    resolved = [_resolve(spec, size) for spec in specs]
    if all(r is None for r in resolved):
        raise RangeNotSatisfiable(size)
    if len(specs) > 1:
        return None
    return resolved[0]


def if_range_allows_partial(if_range: str | None, *, etag: str, last_modified: datetime) -> bool:
    """RFC 9110 §13.1.5: may the Range be honoured given this `If-Range` value?

    An entity tag must match `etag` by strong comparison (weak tags never do); an HTTP date must
    equal `last_modified` to the second. Anything else, including a malformed value, means "send the
    whole representation".
    """
    if if_range is None:
        return True
    value = if_range.strip(_OWS)
    if value.startswith('"'):
        return value == etag
    if value.startswith("W/"):
        return False
    timestamp = parse_http_date_safe(value)
    return timestamp is not None and timestamp == int(last_modified.timestamp())
