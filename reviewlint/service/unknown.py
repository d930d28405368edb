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

from reviewlint.core.config import resolve_path
from reviewlint.model.refusal import is_unknown

if TYPE_CHECKING:
    from reviewlint.model.project import Project


def needed_modules(project: "Project") -> frozenset[Path]:
    """The project's Python files the analysis reads (see the module docstring), found by text."""
    from reviewlint.model.facts import PATHS

    def build() -> tuple[Path, ...]:
        from reviewlint.service.handlers import handler_candidates
        from reviewlint.service.routes import configured_routes_path, routes_modules
        from reviewlint.service.versions import configured_versions_path, versions_modules

        found = set(handler_candidates(project))
        found.update(resolve_path(path) for path in routes_modules(project))
        if found or configured_routes_path(project) is not None:  # no handlers, no routes: no versions read
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

    from reviewlint.core.guard import parse_quietly
    from reviewlint.core.pytext import import_statements

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
    """A file the analysis needs and cannot analyse: its RVL900 is due where it is (`path` resolved, as the
    prefilter has it: every file of a run is asked)."""
    return path in project.analysis(needed_modules) and is_unknown(project, path)


def routes_unknown(project: "Project") -> bool:
    """No route table was found, but a module that may hold it cannot be analysed: the routes are unknown."""
    from reviewlint.service.routes import configured_routes_path, route_table, routes_modules

    if route_table(project) is not None:
        return False
    if project.config.routes:
        configured = configured_routes_path(project)
        return configured is not None and is_unknown(project, configured)
    return any(is_unknown(project, path) for path in routes_modules(project))


def versions_unknown(project: "Project") -> bool:
    """No usable `VERSIONS` was found, but a module that may define it cannot be analysed."""
    from reviewlint.service.versions import configured_versions_path, service_versions, versions_modules

    if service_versions(project) is not None:
        return False
    if project.config.versions:
        configured = configured_versions_path(project)
        return configured is not None and is_unknown(project, configured)
    return any(is_unknown(project, path) for path in versions_modules(project))
