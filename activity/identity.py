"""Who the viewer is: the logged-in user, else the browser's anonymous id (X-Viewer-Id). Parsed here only."""

from __future__ import annotations

import re

from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions

VIEWER_HEADER = "X-Viewer-Id"
VIEWER_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# How the OpenAPI schema documents the header, on every endpoint that reads it.
VIEWER_HEADER_PARAMETER = OpenApiParameter(
    VIEWER_HEADER,
    {"type": "string", "pattern": VIEWER_ID_RE.pattern, "minLength": 1, "maxLength": 64},
    OpenApiParameter.HEADER,
    required=True,
    description="The browser's anonymous viewer id: required unless logged in (then ignored); without either, 400.",
)


def viewer_key_for(*, user=None, viewer_id: str | None = None) -> str | None:
    """The key resume positions are stored under: the logged-in user, else the browser's anonymous id.

    Distinct prefixes mean an anonymous id can never read or write a user's positions.
    """
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    if viewer_id:
        return f"anon:{viewer_id}"
    return None


def header_viewer_id(request) -> str | None:
    """The anonymous id in X-Viewer-Id, None when absent; 400 when malformed."""
    value = request.headers.get(VIEWER_HEADER)
    if value is None or value == "":
        return None
    if not VIEWER_ID_RE.match(value):
        raise exceptions.ValidationError({VIEWER_HEADER: ["1-64 characters of letters, digits, '.', '_', ':' or '-'."]})
    return value


def request_viewer_key(request, *, strict: bool = True) -> str | None:
    """The requesting viewer's key (None if neither a user nor a header); a malformed header is a 400 when strict."""
    try:
        viewer_id = header_viewer_id(request)
    except exceptions.ValidationError:
        if strict:
            raise
        viewer_id = None
    return viewer_key_for(user=getattr(request, "user", None), viewer_id=viewer_id)
