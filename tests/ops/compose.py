"""Reading the deployment files as Docker would: .env interpolation of docker-compose.yml, the
Dockerfile's instructions, .dockerignore patterns, and the environment variables the code reads."""

from __future__ import annotations

import ast
import fnmatch
import re
import shlex
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]

_INTERPOLATION = re.compile(r"\$(?:\$|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")


class InterpolationError(ValueError):
    pass


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, value = line.partition("=")
        values[name.strip()] = value.strip()
    return values


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's variable substitution: $$, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}."""

    def substitute(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("name") or match.group("bare")
        op, arg = match.group("op"), match.group("arg")
        value = env.get(name)
        if op in (":-", "-"):
            if value is None or (op == ":-" and value == ""):
                return arg
        elif op in (":?", "?"):
            if value is None or (op == ":?" and value == ""):
                raise InterpolationError(f"{name}: {arg}")
        return value or ""

    return _INTERPOLATION.sub(substitute, text)


def load_compose(env: dict[str, str]) -> dict:
    return yaml.safe_load(interpolate((REPO / "docker-compose.yml").read_text(), env))


def environment_of(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def settings_env_reads(path: Path = REPO / "cinema_project" / "settings.py") -> dict[str, str]:
    """{variable: reader} for every `env.<type>("NAME", ...)` / `Env().<type>("NAME")` call in settings.py."""
    reads = {}
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"str", "bool", "int", "float", "list", "db_url", "url", "json", "dict", "tuple", "path"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and re.fullmatch(r"[A-Z][A-Z0-9_]+", node.args[0].value)
        ):
            reads[node.args[0].value] = node.func.attr
    return reads


def code_env_reads() -> set[str]:
    """Variables the project's own modules read with os.environ / os.getenv outside settings.py."""
    names = set()
    # os.environ / os.getenv reads, and gunicorn.conf.py's `_int("NAME", default)` helper.
    pattern = re.compile(
        r"""os\.(?:environ\.get|environ\.setdefault|getenv)\(\s*["']([A-Z][A-Z0-9_]+)["']"""
        r"""|os\.environ\[\s*["']([A-Z][A-Z0-9_]+)["']|\b_int\(\s*["']([A-Z][A-Z0-9_]+)["']"""
    )
    for path in REPO.glob("*.py"):
        names.update(filter(None, (g for m in pattern.finditer(path.read_text()) for g in m.groups())))
    for package in ("cinema_project", "core", "catalog", "people", "overrides", "search", "streaming", "activity", "analytics", "accounts", "etl"):
        for path in (REPO / package).rglob("*.py"):
            names.update(filter(None, (g for m in pattern.finditer(path.read_text()) for g in m.groups())))
    return names


def dockerfile_instructions(path: Path = REPO / "Dockerfile") -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    instructions, current = [], ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        keyword, _, rest = current.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
        current = ""
    return instructions


def copy_sources(arguments: str) -> tuple[list[str], dict[str, str]]:
    """Sources and --flags of a COPY instruction (shell or JSON form)."""
    words = shlex.split(arguments)
    flags = {}
    while words and words[0].startswith("--"):
        key, _, value = words.pop(0)[2:].partition("=")
        flags[key] = value
    return words[:-1], flags


def dockerignored(relative: str, patterns: list[str]) -> bool:
    """.dockerignore semantics for a path: the last matching pattern wins, `!` re-includes."""
    ignored = False
    parts = relative.strip("/").split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        if any(fnmatch.fnmatch(prefix, pattern) or fnmatch.fnmatch(prefix, pattern.replace("**/", "")) for prefix in prefixes):
            ignored = not negate
    return ignored


def dockerignore_patterns(path: Path = REPO / ".dockerignore") -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
