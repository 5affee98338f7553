"""The OpenAPI schema class: drf-spectacular's, plus the error answers any of our views can give.

core.api.exception_handler turns failures into JSON for every view; documenting those
answers once here keeps the schema true for every operation (the schemathesis suite checks it).
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent

ERROR_SCHEMA = {
    "type": "object",
    "description": "`detail` says what went wrong and `code` names it; a validation error (400) "
    "instead maps each rejected field to its messages.",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "additionalProperties": True,
}


class CinemaAutoSchema(AutoSchema):
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
