"""The OpenAPI schema class: drf-spectacular's, plus what the server enforces for every view.

core.api.exception_handler turns failures into JSON for every view; documenting those answers once
here keeps the schema true for every operation (the schemathesis suite checks it). So do the bounds
the shared code enforces: ids in paths (core.paths), limit/offset of every list (core.api), ids in
query filters, and anonymous reads wherever the permission class allows them.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import permissions

from core.api import StrictLimitOffsetPagination
from core.paths import ID_REGEX

# What an id in a path or a query filter may be (core.paths.ID_REGEX: 1 to 18 ASCII digits, no zero).
ID_SCHEMA = {"type": "integer", "format": "int64", "minimum": 1, "maximum": 10**18 - 1}
# Query filters that name an object by its id.
ID_QUERY_PARAMETERS = {"movie", "movie_id", "person"}
# Permission classes that let anyone read (GET, HEAD, OPTIONS) without credentials.
ANONYMOUS_READ_PERMISSIONS = {permissions.IsAuthenticatedOrReadOnly, permissions.DjangoModelPermissionsOrAnonReadOnly}

ERROR_SCHEMA = {
    "type": "object",
    "description": "`detail` says what went wrong and `code` names it; a validation error (400) "
    "instead maps each rejected field to its messages.",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "additionalProperties": True,
}


class CinemaAutoSchema(AutoSchema):
    def get_auth(self):
        auths = super().get_auth()
        perms = {type(p) for p in self.view.get_permissions()}
        if self.method in permissions.SAFE_METHODS and perms & ANONYMOUS_READ_PERMISSIONS and {} not in auths:
            auths.append({})  # drf-spectacular only knows IsAuthenticatedOrReadOnly and AllowAny
        return auths

    def _resolve_path_parameters(self, variables):
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            if parameter["schema"].get("pattern") == f"^{ID_REGEX}$":
                parameter["schema"] = dict(ID_SCHEMA)
        return parameters

    def _get_parameters(self):
        parameters = super()._get_parameters()
        strict_paging = isinstance(self._get_paginator(), StrictLimitOffsetPagination)
        for parameter in parameters:
            if parameter["in"] != "query" or parameter.get("schema", {}).get("type") != "integer":
                continue
            name = parameter["name"]
            if strict_paging and name == "limit":
                parameter["schema"] = {**parameter["schema"], "minimum": 1, "maximum": settings.API_MAX_PAGE_SIZE}
                parameter["description"] = (
                    f"Results per page (default {settings.API_PAGE_SIZE}); a larger value is capped at "
                    f"{settings.API_MAX_PAGE_SIZE}, below 1 is refused (400)."
                )
            elif strict_paging and name == "offset":
                parameter["schema"] = {**parameter["schema"], "minimum": 0}
            elif name in ID_QUERY_PARAMETERS:
                parameter["schema"] = {**parameter["schema"], **ID_SCHEMA}
        return parameters

    def _error_codes(self) -> dict[str, str]:
        codes = {
            "400": "The request is invalid; the body says why.",
            "401": "The credentials sent are not valid.",
            "403": "Not allowed for this user (or a missing CSRF token on a session-authenticated write).",
            "503": "A backing service (database, storage) is unavailable; retry after `Retry-After` seconds.",
        }
        if "{" in self.path:
            codes["404"] = "No such object (or not visible to this user)."
        if self.method in ("POST", "PUT", "PATCH"):
            codes["413"] = "The request body is larger than allowed."
            codes["415"] = "The request body is not JSON."
        if self.view.get_throttles():
            codes["429"] = "Too many requests; retry after `Retry-After` seconds."
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        component = ResolvedComponent(name="ApiError", type=ResolvedComponent.SCHEMA, object="ApiError", schema=ERROR_SCHEMA)
        self.registry.register_on_missing(component)
        for code, description in self._error_codes().items():
            responses.setdefault(code, {"description": description, "content": {"application/json": {"schema": component.ref}}})
        return responses
