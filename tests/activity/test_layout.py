"""The activity app's layout rules (issue 12): no import cycles, not even through imports inside
functions; one package talks to Kafka; each shared rule has one home."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "activity"


def _modules() -> dict[str, Path]:
    modules = {}
    for path in APP.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(REPO).with_suffix("").parts)
        modules[name.removesuffix(".__init__")] = path
    return modules


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """Every module the file imports, anywhere in it (function bodies included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            submodules = {f"{node.module}.{alias.name}" for alias in node.names} & modules.keys()
            # `from package import submodule` imports the submodule (the package's own body runs
            # for any import below it anyway); `from module import name` imports the module.
            found |= submodules if len(submodules) == len(node.names) else {node.module} | submodules
    return found


def test_no_import_cycles_in_the_activity_app():
    modules = _modules()
    graph = {name: {m for m in _imports(path, modules) if m in modules and m != name} for name, path in modules.items()}
    cycles = []

    def visit(start, node, path):
        for nxt in graph[node]:
            if nxt == start:
                cycles.append(" -> ".join([*path, nxt]))
            elif nxt not in path:
                visit(start, nxt, [*path, nxt])

    for name in graph:
        visit(name, name, [name])
    assert not cycles, "\n".join(cycles)


def test_the_services_never_import_the_tasks():
    modules = _modules()
    for name, path in modules.items():
        if name.startswith("activity.services"):
            assert "activity.tasks" not in _imports(path, modules), name


def test_only_the_kafka_package_imports_confluent_kafka():
    modules = _modules()
    importers = {name for name, path in modules.items() if any(m.split(".")[0] == "confluent_kafka" for m in _imports(path, modules))}
    assert importers and all(name.startswith("activity.kafka") for name in importers), importers


def test_the_watched_fraction_is_defined_once():
    hits = [path.relative_to(REPO) for path in APP.rglob("*.py") if "0.9" in path.read_text().replace("0.95", "")]
    assert hits == [Path("activity/rules.py")], hits
