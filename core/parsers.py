"""The project's JSON parser: DRF's, made safe against hostile bodies before any view sees them.

A body is refused with 400 (`ParseError`, JSON `detail`) when it nests deeper than MAX_DEPTH (a 2 KB
`[[[[...]]]]` would otherwise exhaust Python's recursion limit in the decoder or in later validation:
a 500), holds NaN/Infinity or a number too large for a float (`1e999` decodes to infinity), a NUL
character (PostgreSQL cannot store one in text or jsonb) or a lone UTF-16 surrogate (not encodable
as UTF-8, so the database driver would fail on it).
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

_STRING = re.compile(r'"[^"]*"')
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_EMPTY_PAIR = re.compile(r"\[\]|\{\}")


def _without_escapes(text: str) -> str:
    """`text` with its escaped backslashes and escaped quotes removed (left to right, as JSON reads
    them): what is left of each string holds no backslash pair and ends at its first quote."""
    return text.replace("\\\\", "").replace('\\"', "")


def nests_deeper_than(unescaped: str, limit: int) -> bool:
    """Whether arrays and objects nest more than `limit` levels in JSON text (given as
    `_without_escapes(text)`; brackets inside strings do not count).

    Only regular-expression passes, each linear and C-speed, at most `limit` of them: no recursion,
    and no pattern that can backtrack, whatever the body.
    """
    brackets = _NOT_A_BRACKET.sub("", _STRING.sub("", unescaped))
    for _ in range(limit):
        brackets, removed = _EMPTY_PAIR.subn("", brackets)
        if not removed:
            # Fully reduced; what is left is malformed, e.g. brackets never closed, which count too.
            return brackets.count("[") + brackets.count("{") > limit
    return bool(_EMPTY_PAIR.search(brackets))


def _strict_constant(name: str):
    raise ValueError(f"{name} is not a valid JSON number")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise ValueError(f"the number {literal[:40]} is too large")
    return value


def parse_json_text(text: str):
    """Decode `text` as JSON under the rules above; ParseError (400) with the reason otherwise."""
    unescaped = _without_escapes(text)
    if nests_deeper_than(unescaped, MAX_DEPTH):
        raise ParseError(f"JSON parse error - the body nests more than {MAX_DEPTH} levels deep.")
    if "\\u0000" in unescaped:
        raise ParseError("JSON parse error - strings may not contain the NUL character (\\u0000).")
    try:
        data = json.loads(text, parse_constant=_strict_constant, parse_float=_finite_float)
        # A lone surrogate (\ud800) decodes to a str that cannot be encoded as UTF-8.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ParseError("JSON parse error - a string holds a lone UTF-16 surrogate.") from None
    except (ValueError, RecursionError) as exc:
        # ValueError includes an integer literal over Python's 4300-digit conversion limit.
        raise ParseError(f"JSON parse error - {str(exc)[:200]}") from None
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
