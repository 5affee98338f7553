"""The API's operations as the OpenAPI schema lists them, for tests that must cover every endpoint.

Reading the operations from the schema (not from a hand-written list) means an endpoint added
later is covered by the limit and permission tests without anyone remembering to add it.
"""

from __future__ import annotations

import re

import functools
from dataclasses import dataclass

WRITE_METHODS = {"post", "put", "patch", "delete"}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # with `{name}` placeholders
    operation: dict

    @property
    def path_params(self) -> list[str]:
        return [p["name"] for p in self.operation.get("parameters", []) if p.get("in") == "path"]

    @property
    def query_params(self) -> set[str]:
        return {p["name"] for p in self.operation.get("parameters", []) if p.get("in") == "query"}

    @property
    def takes_json(self) -> bool:
        return "application/json" in self.operation.get("requestBody", {}).get("content", {})

    @property
    def paginated(self) -> bool:
        return self.method == "get" and {"limit", "offset"} <= self.query_params

    def url(self, values: dict[str, object]) -> str:
        url = self.path
        for name in self.path_params:
            url = url.replace("{" + name + "}", str(values[name]))
        return url

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


@functools.cache
def openapi_schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def api_operations() -> list[Operation]:
    operations = []
    for path, item in openapi_schema()["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                operations.append(Operation(method, path, operation))
    return operations


def path_values(operation: Operation, ids: dict[str, object]) -> dict[str, object]:
    """Values for an operation's path parameters: `ids` maps the collection segment before the
    parameter (e.g. "movies" in /api/v1/movies/{id}/) to the id of an object the test created."""
    values = {}
    segments = operation.path.strip("/").split("/")
    for index, segment in enumerate(segments):
        for name in re.findall(r"\{(\w+)\}", segment):  # "{id}", or "{sheet}.jpg"
            collection = segments[index - 1]
            assert collection in ids, f"{operation}: no test object for /{collection}/; add one to the fixture"
            values[name] = ids[collection]
    return values
