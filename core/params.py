"""Query-parameter parsing shared by the API views: integers with bounds, refused with a 400 and a clear message."""

from __future__ import annotations

from rest_framework import exceptions


def int_param(
    request, name: str, *, default: int | None = None, minimum: int, maximum: int | None = None, optional: bool = False
) -> int | None:
    """The integer query parameter `name`; absent or empty gives `default` (None when `optional`).

    A value that is not a whole number, or lies outside minimum..maximum, raises ValidationError (400).
    """
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None if optional else default
    try:
        value = int(raw)
    except ValueError:
        raise exceptions.ValidationError({name: [f"A whole number is required, got {raw!r}."]}) from None
    if maximum is None:
        if value < minimum:
            raise exceptions.ValidationError({name: [f"Must be at least {minimum}."]})
    elif not minimum <= value <= maximum:
        raise exceptions.ValidationError({name: [f"Must be between {minimum} and {maximum}."]})
    return value
