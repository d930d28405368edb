"""The service's routes, read from `ROUTE_DECLARATIONS` without importing it.

Placement declares its API as a dict of path templates to dicts of HTTP
methods to handler functions:

    ROUTE_DECLARATIONS = {
        '/': {'GET': root.home},
        '': {'GET': root.home},   # the same handler without the slash
        '/traits/{name}': {'GET': trait.get_trait, 'PUT': trait.put_trait},
    }

Each (method, template) becomes a Route naming its handler by dotted name;
every definition of that name (versioned redefinitions included) serves it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence

if TYPE_CHECKING:
    import libcst as cst

    from reviewlint.facts import FunctionRef
    from reviewlint.module import Function, ModuleInfo
    from reviewlint.project import Project

ROUTES_NAME = "ROUTE_DECLARATIONS"
_VARIABLE = re.compile(r"\{[^}]*\}")


@dataclass(frozen=True)
class Route:
    """One method on one path template, and the dotted name of its handler."""

    method: str
    template: str
    target: str  # e.g. "placement.handlers.trait.get_trait", its module named as the project indexes it
    ordinal: int = field(default=-1, compare=False)  # the target's node in the routes module (`ModuleInfo.ordinal`)

    @property
    def label(self) -> str:
        """`GET /traits/{name}` (the empty alias of the root shows as `''`)."""
        return f"{self.method} {self.template or repr('')}"

    @cached_property
    def _pattern(self) -> tuple[re.Pattern[str] | str, ...]:
        parts: list[re.Pattern[str] | str] = []
        for segment in self.template.split("/"):
            if "{" in segment:
                pieces = _VARIABLE.split(segment)
                parts.append(re.compile("[^/]+".join(re.escape(p) for p in pieces) + r"\Z"))
            else:
                parts.append(segment)
        return tuple(parts)

    def matches(self, method: str, segments: Sequence[str | None]) -> bool:
        """True for a request with this method whose path segments fit the template.

        A None segment is a substitution the reader cannot know: it matches
        any one segment of the template.
        """
        pattern = self._pattern
        if method != self.method or len(segments) != len(pattern):
            return False
        for segment, expected in zip(segments, pattern):
            if segment is None:
                continue
            if isinstance(expected, str):
                if segment != expected:
                    return False
            elif not segment or not expected.match(segment):
                return False
        return True


@dataclass(frozen=True)
class RouteTable:
    """Every route of the service, from the module that declares them."""

    module: str
    path: Path
    routes: tuple[Route, ...]

    @cached_property
    def _by_target(self) -> dict[str, tuple[Route, ...]]:
        table: dict[str, list[Route]] = {}
        for route in self.routes:
            table.setdefault(route.target, []).append(route)
        return {target: tuple(routes) for target, routes in table.items()}

    def routes_of(self, function: "Function | FunctionRef") -> tuple[Route, ...]:
        """The routes a handler serves (shared by all its versioned definitions)."""
        return self.routes_of_target(function.qualname)

    def routes_of_target(self, qualname: str) -> tuple[Route, ...]:
        """The routes of the handler named `qualname` (`placement.handlers.trait.get_trait`)."""
        return self._by_target.get(qualname, ())

    @property
    def targets(self) -> tuple[str, ...]:
        """The dotted names of every routed handler."""
        return tuple(self._by_target)

    def match(self, method: str, segments: Sequence[str | None]) -> tuple[Route, ...]:
        """The routes a request with this method and path reaches."""
        return tuple(route for route in self.routes if route.matches(method, segments))


def _pairs(expr: "cst.BaseExpression") -> Iterator[tuple["cst.BaseExpression", "cst.BaseExpression"]]:
    """(key, value) expressions of a dict literal or a `dict(KEY=value)` call."""
    import libcst as cst

    if isinstance(expr, cst.Dict):
        for element in expr.elements:
            if isinstance(element, cst.DictElement):
                yield element.key, element.value
    elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "dict":
        for arg in expr.args:
            if arg.keyword is not None:
                yield cst.SimpleString(repr(arg.keyword.value)), arg.value


def read_routes(project: "Project", module: "ModuleInfo") -> RouteTable | None:
    """The routes `module` declares in ROUTE_DECLARATIONS, or None if it declares none."""
    import libcst as cst
    from reviewlint.module import string_value

    declarations = module.constant_value(ROUTES_NAME)
    if declarations is None:
        return None
    routes: list[Route] = []
    for key, methods in _pairs(declarations):
        template = string_value(key)
        if template is None:
            template = _constant_string(project, module, key)
        if template is None:
            continue
        for method_key, target in _pairs(methods):
            method = string_value(method_key) or _constant_string(project, module, method_key)
            name = module.resolve(target) if isinstance(target, (cst.Name, cst.Attribute)) else None
            if method and name:
                routes.append(Route(method.upper(), template, project.canonical(name), module.ordinal(target)))
    return RouteTable(module.name, module.path, tuple(routes))


def _constant_string(project: "Project", module: "ModuleInfo", expr: "cst.BaseExpression") -> str | None:
    from reviewlint.schemas import Const, evaluator_for

    value = evaluator_for(project).evaluate(module, expr)
    return value.value if isinstance(value, Const) and isinstance(value.value, str) else None


def routes_modules(project: "Project") -> list[Path]:
    """Project files that assign ROUTE_DECLARATIONS at module level (cheap text test)."""
    from reviewlint.facts import PATHS
    from reviewlint.project import text_assigns

    defines_routes = text_assigns(ROUTES_NAME.encode())

    def scan() -> tuple[Path, ...]:
        return tuple(path for path in project.files_containing(ROUTES_NAME.encode())
                     if defines_routes.search(project.raw(path)))

    found: tuple[Path, ...] = project.memo("routes_modules", scan, PATHS)
    return list(found)


def _build(project: "Project") -> RouteTable | None:
    configured = project.config.routes
    if configured:
        if configured.endswith(".py") or "/" in configured:
            path = project.root / configured
            module = project.module_at(path) if path.is_file() else None
        else:
            module = project.module(configured)
        return read_routes(project, module) if module is not None else None
    tables = []
    for path in routes_modules(project):
        module = project.module_at(path)
        table = read_routes(project, module) if module is not None else None
        if table is not None and table.routes:
            tables.append(table)
    # Several declarations (a vendored copy, a test double): the largest wins.
    return max(tables, key=lambda t: len(t.routes)) if tables else None


def _encode(table: RouteTable | None) -> Any:
    if table is None:
        return None
    return [table.module, str(table.path), [[r.method, r.template, r.target, r.ordinal] for r in table.routes]]


def _decode(data: Any) -> RouteTable | None:
    if data is None:
        return None
    module, path, routes = data
    return RouteTable(str(module), Path(path), tuple(Route(str(m), str(t), str(g), int(o)) for m, t, g, o in routes))


def route_table(project: "Project") -> RouteTable | None:
    """The project's routes, or None when no module declares any."""
    from reviewlint.project import Codec

    routes_modules(project)  # first: an edit elsewhere changes it not, nor the table
    return project.memo("routes", lambda: _build(project), Codec(_encode, _decode))


def unresolved_routes(project: "Project") -> tuple[Route, ...]:
    """The routes whose target names no function of the project (RVL405)."""
    def find() -> tuple[Route, ...]:
        table = route_table(project)
        dead = []
        for route in table.routes if table is not None else ():
            found = project.split_path(route.target)
            facts = project.facts(found[1]) if found is not None else None
            if facts is None or not facts.named(found[2]):  # type: ignore[index]
                dead.append(route)
        return tuple(dead)

    return project.memo("routes:unresolved", find)


def dispatcher_check(project: "Project") -> str | None:
    """The routes module's file name when its dispatcher checks policy for every route (a coarse check).

    Queens-era Placement authorized in `PlacementHandler.__call__`
    (`policy.placement_authorize(context, 'placement')`): a call, in the
    routes module, of a configured policy check or of a function named
    like an authorization.
    """
    from reviewlint.project import Codec

    def find() -> str | None:
        import libcst as cst

        from reviewlint.module import walk

        table = route_table(project)
        module = project.module_at(table.path) if table is not None else None
        if module is None:
            return None
        checks = {check.rsplit(".", 1)[-1] for check in project.config.policy_checks}
        for node in walk(module.tree):
            if isinstance(node, cst.Call):
                short = (module.resolve(node.func) or "").rsplit(".", 1)[-1]
                if short in checks or "authorize" in short.lower():
                    return module.path.name
        return None

    return project.memo("routes:dispatcher_check", find, Codec(lambda name: name, lambda data: data))
