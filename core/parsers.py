"""The project's JSON parser: DRF's, made safe against hostile bodies before any view sees them.

A body is refused with 400 (`ParseError`, JSON `detail`) when it nests deeper than MAX_DEPTH (a 2 KB
`[[[[...]]]]` raised RecursionError in the decoder, a 500; a body just under Python's recursion
limit would do the same in later validation or rendering), holds NaN/Infinity or a number too large
for a float (`1e999` decodes to infinity), a NUL character (PostgreSQL cannot store one in text or
jsonb) or a lone UTF-16 surrogate (not encodable as UTF-8, so the database driver would fail on it).
"""

from __future__ import annotations

import codecs
import json
import math
import re

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Our deepest legitimate body is an event batch: {"events": [{...}]}, depth 3.
MAX_DEPTH = 32

# A surrogate escape (\ud800-\udfff); pairs are legitimate (an emoji), lone ones are checked for.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _without_escapes(text: str) -> str:
    """`text` with its escaped backslashes removed (left to right, as JSON reads them), so a `\\u0000`
    left in it is an escape, not a backslash followed by "u0000"."""
    return text.replace("\\\\", "")


def nests_deeper_than(data, limit: int) -> bool:
    """Whether arrays and objects in decoded `data` nest more than `limit` levels: level by level,
    without recursion, so no depth of input can exhaust the stack here."""
    level = [data] if isinstance(data, (dict, list)) else []
    for _ in range(limit):
        if not level:
            return False
        level = [
            child
            for value in level
            for child in (value.values() if isinstance(value, dict) else value)
            if isinstance(child, (dict, list))
        ]
    return bool(level)


def _strict_constant(name: str):
    raise ValueError(f"{name} is not a valid JSON number")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise ValueError(f"the number {literal[:40]} is too large")
    return value


def parse_json_text(text: str):
    """Decode `text` as JSON under the rules above; ParseError (400) with the reason otherwise."""
    too_deep = ParseError(f"JSON parse error - the body nests more than {MAX_DEPTH} levels deep.")
    unescaped = _without_escapes(text)
    if "\\u0000" in unescaped:
        raise ParseError("JSON parse error - strings may not contain the NUL character (\\u0000).")
    try:
        data = json.loads(text, parse_constant=_strict_constant, parse_float=_finite_float)
    except RecursionError:
        # The C decoder guards its own recursion: a body deeper than Python's recursion limit ends here.
        raise too_deep from None
    except ValueError as exc:
        # Also an integer literal over Python's 4300-digit conversion limit.
        raise ParseError(f"JSON parse error - {str(exc)[:200]}") from None
    if nests_deeper_than(data, MAX_DEPTH):
        raise too_deep
    if _SURROGATE_ESCAPE.search(unescaped):
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ParseError("JSON parse error - a string holds a lone UTF-16 surrogate.") from None
    return data


class JSONParser(parsers.JSONParser):
    """DRF's JSONParser with the limits of `parse_json_text`; the default parser of every API view."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = codecs.getreader(encoding)(stream).read() if stream is not None else ""
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - the body is not valid {encoding}: {exc.reason}.") from None
        return parse_json_text(text)
