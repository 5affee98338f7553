"""Ids in URL paths: one strict pattern for every `{id}` of the API, in Django paths and DRF routers.

An id is written in ASCII digits, without sign, leading zero or decimal point, and is at least 1 and
at most 18 digits (so it always fits PostgreSQL's bigint). Anything else (`0.5`, `-1`, `0`, `007`,
full-width `１２`, which Python's int() and `\\d` would accept) matches no URL: 404 JSON.
"""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

ID_REGEX = "[1-9][0-9]{0,17}"


class IdConverter:
    """`<id:name>`: a positive whole number as the API writes ids."""

    regex = ID_REGEX

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


class IdRouter(DefaultRouter):
    """A DefaultRouter whose detail routes take only ids of ID_REGEX (unless a viewset sets its own
    `lookup_value_regex`): DRF's default `[^/.]+` lets `-1` and `１２` reach the view."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._default_value_pattern = ID_REGEX
