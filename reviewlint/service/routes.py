"""The service's routes, read from the routes module without importing it.

Placement declares its API as a dict of path templates to dicts of HTTP
methods to handler functions:

    ROUTE_DECLARATIONS = {
        '/': {'GET': root.home},
        '': {'GET': root.home},   # the same handler without the slash
        '/traits/{name}': {'GET': trait.get_trait, 'PUT': trait.put_trait},
    }

Services that copied its style also write a module-level sequence of
`(template, {METHOD: handler})` pairs, under any name:

    API_ROUTES = [
        ('/boats', {'GET': boats.list_boats, 'POST': boats.create_boat}),
    ]

Each (method, template) becomes a Route naming its handler by dotted name;
every definition of that name (versioned redefinitions included) serves it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from reviewlint.core.pytext import METHOD_KEY
from reviewlint.model.facts import file_facts, function_ref

if TYPE_CHECKING:
    import libcst as cst

    from reviewlint.model.facts import FunctionRef
    from reviewlint.model.module import Function, ModuleInfo
    from reviewlint.model.project import Project

ROUTES_NAME = "ROUTE_DECLARATIONS"
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_PAIR = re.compile(rb"""[(\[]\s*[^\s,()\[\]]+\s*,\s*(?:#[^\n]*\n\s*)*(?:\{|dict\()""")

# The shapes of a route table, as `--show-project` names them.
DICT_SHAPE = "dict"
PAIRS_SHAPE = "pairs"
SHAPES = {DICT_SHAPE: "a dict of templates to {method: handler}",
          PAIRS_SHAPE: "a sequence of (template, {method: handler}) pairs"}
_VARIABLE = re.compile(r"\{[^}]*\}")


def may_hold_pairs(data: bytes) -> bool:
    """A cheap text test: can this module's text hold a table of route pairs that zero config finds?"""
    return METHOD_KEY.search(data) is not None and _PAIR.search(data) is not None


def pair_files(project: "Project") -> tuple[Path, ...]:
    """The files outside test packages whose text may hold a table of route pairs (`may_hold_pairs`).

    One pass over the tree, shared by the search for the routes module and
    the prefilter. Test packages are left out: their tables serve no API.
    """
    from reviewlint.model.facts import PATHS
    from reviewlint.model.project import TEST_PACKAGES

    return project.memo("prefilter:pairs", lambda: tuple(
        path for path in project.python_files
        if not TEST_PACKAGES.intersection(project.module_name(path).split(".")[:-1])
        and may_hold_pairs(project.raw(path))), PATHS)


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
    name: str = ROUTES_NAME  # the module-level name the table is bound to
    shape: str = DICT_SHAPE  # DICT_SHAPE or PAIRS_SHAPE

    @property
    def description(self) -> str:
        """`API_ROUTES (a sequence of (template, {method: handler}) pairs)`."""
        return f"{self.name} ({SHAPES[self.shape]})"

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

    @cached_property
    def _by_shape(self) -> dict[tuple[str, int], tuple[Route, ...]]:
        """The routes by (method, number of path segments), in table order: only those can match a request."""
        table: dict[tuple[str, int], list[Route]] = {}
        for route in self.routes:
            table.setdefault((route.method, len(route._pattern)), []).append(route)
        return {shape: tuple(routes) for shape, routes in table.items()}

    def match(self, method: str, segments: Sequence[str | None]) -> tuple[Route, ...]:
        """The routes a request with this method and path reaches."""
        candidates = self._by_shape.get((method, len(segments)), ())
        return tuple(route for route in candidates if route.matches(method, segments))


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


def read_tables(project: "Project", module: "ModuleInfo") -> list[RouteTable]:
    """The route tables `module` binds at module level: ROUTE_DECLARATIONS first, then pair sequences."""
    tables = []
    declared = read_routes(project, module)
    if declared is not None:
        tables.append(declared)
    for name in module.assignments:
        if name != ROUTES_NAME:
            value = module.constant_value(name)
            routes = _read_pairs(project, module, value) if value is not None else None
            if routes:
                tables.append(RouteTable(module.name, module.path, routes, name, PAIRS_SHAPE))
    return tables


def _read_pairs(project: "Project", module: "ModuleInfo", value: "cst.BaseExpression") -> tuple[Route, ...] | None:
    """The routes of a sequence of `(template, {METHOD: handler})` pairs, or None if `value` is not one.

    Every item must be such a pair: a path template ('' or starting with
    '/'), and HTTP methods mapped to names; at least one of the names must
    be a module-level function of the project (a table of routes, not any
    list of tuples). The others are routes too, dead ones (RVL405).
    """
    import libcst as cst
    from reviewlint.model.module import string_value

    if not isinstance(value, (cst.List, cst.Tuple)) or not value.elements:
        return None
    routes: list[Route] = []
    for element in value.elements:
        item = element.value
        if not isinstance(element, cst.Element) or not isinstance(item, (cst.List, cst.Tuple)) \
                or len(item.elements) != 2 or not isinstance(item.elements[1].value, (cst.Dict, cst.Call)):
            return None
        key, methods = item.elements[0].value, item.elements[1].value
        template = string_value(key)
        if template is None:
            template = _constant_string(project, module, key)
        if template is None or not (template == "" or template.startswith("/")):
            return None
        pairs = list(_pairs(methods))
        if not pairs:
            return None
        for method_key, target in pairs:
            method = string_value(method_key) or _constant_string(project, module, method_key)
            name = module.resolve(target) if isinstance(target, (cst.Name, cst.Attribute)) else None
            if method is None or method.upper() not in HTTP_METHODS or name is None:
                return None
            routes.append(Route(method.upper(), template, project.canonical(name), module.ordinal(target)))
    if not any(_is_function(project, route.target) for route in routes):
        return None
    return tuple(routes)


def _is_function(project: "Project", dotted: str) -> bool:
    ref = function_ref(project, dotted)
    return ref is not None and "." not in ref.name


def read_routes(project: "Project", module: "ModuleInfo") -> RouteTable | None:
    """The routes `module` declares in ROUTE_DECLARATIONS, or None if it declares none."""
    import libcst as cst
    from reviewlint.model.module import string_value

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
    from reviewlint.model.schemas import Const, evaluator_for

    value = evaluator_for(project).evaluate(module, expr)
    return value.value if isinstance(value, Const) and isinstance(value.value, str) else None


def routes_modules(project: "Project") -> list[Path]:
    """Project files that may bind a route table at module level (cheap text test, `ast` for pairs).

    Those that assign ROUTE_DECLARATIONS, and those outside test packages
    whose text quotes an HTTP method and binds a sequence of pairs.
    """
    from reviewlint.model.facts import PATHS

    def scan() -> tuple[Path, ...]:
        found = list(project.files_assigning(ROUTES_NAME))
        found.extend(path for path in pair_files(project)
                     if path not in found and pair_table_values(_parsed(project.raw(path))))
        return tuple(sorted(found, key=str))

    found: tuple[Path, ...] = project.memo("routes_modules", scan, PATHS)
    return list(found)


def _parsed(data: bytes) -> ast.Module | None:
    try:
        return ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def pair_table_values(tree: ast.Module | None) -> list[ast.expr]:
    """The dict values of every module-level sequence of `(x, {...})` pairs in a module (`ast`, not LibCST).

    What the prefilter and the search for routes modules need: a superset
    of the tables `read_tables` accepts.
    """
    if tree is None:
        return []
    values: list[ast.expr] = []
    for statement in _module_level(tree):
        if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
            values.extend(_ast_pair_values(statement.value))
    return values


def _module_level(tree: ast.Module) -> Iterator[ast.stmt]:
    """The module-level statements, those in top-level `if`/`try` blocks included."""
    statements = list(reversed(tree.body))
    while statements:
        statement = statements.pop()
        yield statement
        if isinstance(statement, (ast.If, ast.Try)):
            blocks = [statement.body, statement.orelse]
            if isinstance(statement, ast.Try):
                blocks += [handler.body for handler in statement.handlers] + [statement.finalbody]
            statements.extend(reversed([s for block in blocks for s in block]))


def pair_table_modules(data: bytes) -> set[str]:
    """Every name that may be a module the pair tables of a module's text route to (empty: no table).

    Each part of a value's dotted name and of the import its head comes
    from (`from svc.api.handlers import boats` then `boats.create_boat`:
    svc, api, handlers, boats), so the prefilter stays conservative.
    """
    tree = _parsed(data)
    values = pair_table_values(tree)
    if not values:
        return set()
    imports: dict[str, str] = {}
    for node in _module_level(tree):  # type: ignore[arg-type]
        if isinstance(node, ast.Import):
            for alias in node.names:
                imports[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                imports[alias.asname or alias.name] = f"{node.module}.{alias.name}" if node.module else alias.name
    names: set[str] = set()
    for value in values:
        parts: list[str] = []
        while isinstance(value, ast.Attribute):
            parts.append(value.attr)
            value = value.value
        if isinstance(value, ast.Name):
            parts.append(value.id)
            parts.reverse()
            names.update(parts[:-1] + [parts[0]])
            names.update(imports.get(parts[0], "").split(".")[:None if len(parts) > 1 else -1])
    names.discard("")
    return names


def configured_routes_path(project: "Project") -> Path | None:
    """The file config `routes` names (a path, or a module name), if it is one of the project's."""
    configured = project.config.routes
    if not configured:
        return None
    if configured.endswith(".py") or "/" in configured:
        path = project.root / configured
        return path if path.is_file() else None
    return project.module_path(configured)


def _ast_pair_values(value: ast.expr) -> list[ast.expr]:
    if not isinstance(value, (ast.List, ast.Tuple)) or not value.elts:
        return []
    found: list[ast.expr] = []
    for item in value.elts:
        if not isinstance(item, (ast.List, ast.Tuple)) or len(item.elts) != 2:
            return []
        methods = item.elts[1]
        if isinstance(methods, ast.Dict):
            found.extend(methods.values)
        elif isinstance(methods, ast.Call) and isinstance(methods.func, ast.Name) and methods.func.id == "dict":
            found.extend(keyword.value for keyword in methods.keywords)
        else:
            return []
    return found


def _build(project: "Project") -> RouteTable | None:
    if project.config.routes:
        path = configured_routes_path(project)
        module = project.module_at(path) if path is not None else None
        if module is None:
            return None
        declared = read_routes(project, module)
        if declared is not None:
            return declared  # the configured module's ROUTE_DECLARATIONS, as before
        tables = read_tables(project, module)
    else:
        tables = []
        for path in routes_modules(project):
            module = project.module_at(path)
            tables.extend(table for table in (read_tables(project, module) if module is not None else ())
                          if table.routes)
    # Several tables (a vendored copy, a test double): the largest wins.
    return max(tables, key=lambda t: len(t.routes)) if tables else None


def _encode(table: RouteTable | None) -> Any:
    if table is None:
        return None
    return [table.module, str(table.path), [[r.method, r.template, r.target, r.ordinal] for r in table.routes],
            table.name, table.shape]


def _decode(data: Any) -> RouteTable | None:
    if data is None:
        return None
    module, path, routes, name, shape = data
    if shape not in SHAPES:
        raise ValueError(f"unknown route table shape {shape!r}")
    return RouteTable(str(module), Path(path), tuple(Route(str(m), str(t), str(g), int(o)) for m, t, g, o in routes),
                      str(name), str(shape))


def route_table(project: "Project") -> RouteTable | None:
    """The project's routes, or None when no module declares any."""
    from reviewlint.model.project import Codec

    routes_modules(project)  # first: an edit elsewhere changes it not, nor the table
    return project.memo("routes", lambda: _build(project), Codec(_encode, _decode))


def unresolved_routes(project: "Project") -> tuple[Route, ...]:
    """The routes whose target names no function of the project (RVL405).

    A target in a module that cannot be analysed is unknown, not dead (that module has its RVL900).
    """
    def find() -> tuple[Route, ...]:
        from reviewlint.model.refusal import is_unknown

        table = route_table(project)
        dead = []
        for route in table.routes if table is not None else ():
            found = project.split_path(route.target)
            facts = file_facts(project, found[1]) if found is not None else None
            if facts is None and found is not None and is_unknown(project, found[1]):
                continue
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
    from reviewlint.model.project import Codec

    def find() -> str | None:
        import libcst as cst

        from reviewlint.model.module import walk

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
