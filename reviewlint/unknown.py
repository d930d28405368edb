"""What reviewlint needs and cannot analyse: unknown, never absent.

A module that does not parse, or that the guard refuses (too large, too
deeply nested), still exists: its handlers, routes, versions and schemas
are unknown. So it is one RVL900 where it is, and the findings that would
rest on what it holds say nothing rather than guess from its absence (no
RVL405 for the routes into it, no RVL400 "no routes module", no RVL501
where the routes would have said which handlers are public).

The files reviewlint needs are the ones its analysis reads: the modules
that may define handlers, the candidates for the routes and the versions
module, and the project modules a handler module imports (its schemas,
helpers and gates live there). Found by text, without LibCST. Only a file
whose text holds a trace of a finding is asked (see prefilter.py): a plain
helper that cannot be analysed is silent (flake8's E999 when it does not
compile), though what rests on it is still unknown, as any helper the
analysis cannot resolve.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from reviewlint.config import resolve_path
from reviewlint.guard import UnreadableSource, analysis_refusal
from reviewlint.project import Codec

if TYPE_CHECKING:
    from reviewlint.project import Project

# (message, line, column) of a refusal, or None: as cached data.
Refusal = tuple[str, int, int]
_REFUSAL: Codec[Refusal | None] = Codec(
    lambda refused: list(refused) if refused is not None else None,
    lambda data: (str(data[0]), int(data[1]), int(data[2])) if data is not None else None)


def refusal(project: "Project", path: Path) -> Refusal | None:
    """Why the module at `path` cannot be analysed (as its RVL900 says it), or None when it can.

    Read, the guard, then Python's parser: what LibCST would be handed, decided without it.
    """
    path = resolve_path(path)
    if project.parsed(path):
        return None

    def compute() -> Refusal | None:
        try:
            problem = analysis_refusal(project.source(path), project.config.limits)
        except UnreadableSource as exc:
            problem = exc
        return (str(problem), problem.line, problem.col) if problem is not None else None

    return project.memo(f"unknown:refusal:{path}", compute, _REFUSAL)


def is_unknown(project: "Project", path: Path) -> bool:
    """True when `path` is a module of the project that cannot be analysed (it exists: it is no absence)."""
    return str(resolve_path(path)) in project.index.by_path and refusal(project, path) is not None


def needed_modules(project: "Project") -> frozenset[Path]:
    """The project's Python files the analysis reads (see the module docstring), found by text."""
    from reviewlint.facts import PATHS

    def build() -> tuple[Path, ...]:
        from reviewlint.facts import handler_candidates
        from reviewlint.routes import configured_routes_path, routes_modules
        from reviewlint.versions import configured_versions_path, versions_modules

        found = set(handler_candidates(project))
        found.update(resolve_path(path) for path in routes_modules(project))
        found.update(resolve_path(path) for path in versions_modules(project))
        for configured in (configured_routes_path(project), configured_versions_path(project)):
            if configured is not None:
                found.add(resolve_path(configured))
        for path in handler_candidates(project):
            found.update(imported_modules(project, path))
        return tuple(sorted(found))

    found: tuple[Path, ...] = project.memo("unknown:needed", build, PATHS)
    return frozenset(found)


def imported_modules(project: "Project", path: Path) -> set[Path]:
    """The files of the project modules (and of the modules of imported names) a module's text imports."""
    import ast

    from reviewlint.guard import parse_quietly
    from reviewlint.prefilter import import_statements

    package = project.module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names: list[str] = []
    for statement in import_statements(project.raw(path)):
        try:
            nodes = parse_quietly(statement.decode("utf-8", "replace").strip()).body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in nodes:
            if isinstance(node, ast.Import):
                names.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the module's own package up
                    head = package[:len(package) - node.level + 1] if node.level <= len(package) else []
                    base = ".".join([*head, base] if base else head)
                if base:
                    names.append(base)
                    names.extend(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    found: set[Path] = set()
    for name in names:
        if project.may_name_module(name):
            module = project.module_path(name)
            if module is not None:
                found.add(resolve_path(module))
    return found


def is_unknown_input(project: "Project", path: Path) -> bool:
    """A file the analysis needs and cannot analyse: its RVL900 is due where it is."""
    path = resolve_path(path)
    return path in project.analysis(needed_modules) and is_unknown(project, path)


def routes_unknown(project: "Project") -> bool:
    """No route table was found, but a module that may hold it cannot be analysed: the routes are unknown."""
    from reviewlint.routes import configured_routes_path, route_table, routes_modules

    if route_table(project) is not None:
        return False
    if project.config.routes:
        configured = configured_routes_path(project)
        return configured is not None and is_unknown(project, configured)
    return any(is_unknown(project, path) for path in routes_modules(project))


def versions_unknown(project: "Project") -> bool:
    """No usable `VERSIONS` was found, but a module that may define it cannot be analysed."""
    from reviewlint.versions import configured_versions_path, service_versions, versions_modules

    if service_versions(project) is not None:
        return False
    if project.config.versions:
        configured = configured_versions_path(project)
        return configured is not None and is_unknown(project, configured)
    return any(is_unknown(project, path) for path in versions_modules(project))
