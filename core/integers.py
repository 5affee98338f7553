"""Whole numbers from clients (ids in paths, queries and bodies): integers only, nothing truncated.

Python's `int()` takes `1.5` (-> 1), `True` (-> 1), `" 7 "`, `"1_000"` and digits of other scripts
(`"１"`, `"٣"`); a client sending any of these is mistaken, so they are refused, never guessed at.
Accepted: JSON integers, and strings of ASCII digits (forms and query strings have no other type).
"""

from __future__ import annotations

import re

import django_filters
from django import forms
from rest_framework import serializers
from rest_framework.exceptions import NotFound

ASCII_DIGITS = re.compile(r"[0-9]{1,18}")  # 18 digits always fit PostgreSQL's bigint
WHOLE_NUMBER = re.compile(r"-?[0-9]{1,18}")


def parse_whole_number(raw: str) -> int:
    """A whole number written in ASCII digits (optionally negative); ValueError for anything else."""
    if not WHOLE_NUMBER.fullmatch(raw):
        raise ValueError(raw)
    return int(raw)


def int_param(
    request, name: str, *, default: int | None = None, minimum: int, maximum: int | None = None, optional: bool = False
) -> int | None:
    """The integer query parameter `name`; absent or empty gives `default` (None when `optional`).

    A value that is not a whole number, or lies outside minimum..maximum, is a 400 with a clear message.
    """
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None if optional else default
    try:
        value = parse_whole_number(raw)
    except ValueError:
        raise serializers.ValidationError({name: [f"A whole number is required, got {raw[:40]!r}."]}) from None
    if maximum is None:
        if value < minimum:
            raise serializers.ValidationError({name: [f"Must be at least {minimum}."]})
    elif not minimum <= value <= maximum:
        raise serializers.ValidationError({name: [f"Must be between {minimum} and {maximum}."]})
    return value


def parse_id(value) -> int | None:
    """`value` as a positive id, or None when it is anything else (float, bool, sign, spaces, other digits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 10**18 else None
    if isinstance(value, str) and ASCII_DIGITS.fullmatch(value):
        number = int(value)
        return number if number > 0 else None
    return None


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related object by id, where the id must be an integer (DRF's own field turns 1.5 into 1)."""

    def to_internal_value(self, data):
        if parse_id(data) is None:
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(parse_id(data))


class _IdFormField(forms.Field):
    default_error_messages = {"invalid": "A whole number (an id) is required."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = parse_id(value)
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class IdFilter(django_filters.Filter):
    """`?name=<id>` on a foreign key, by id only: an unknown id filters to nothing (no "invalid choice"
    answer that would tell an existing-but-hidden object from a missing one)."""

    field_class = _IdFormField


class StrictIdLookupMixin:
    """For DRF viewsets: an id in the path that is not ASCII digits (`1.5`, `１`, ` 1`) is a 404, never another object."""

    def get_object(self):
        raw = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if parse_id(raw) is None:
            raise NotFound(f"No object with id {raw!r}.")
        return super().get_object()
