"""Microversion gates: where behaviour depends on the requested version.

A gate is a `@version_handler(MIN[, MAX])` decorator, a `V.matches(...)`
call or a comparison `V >= (1, N)` on the request's version V — the value
of `req.environ[microversion.MICROVERSION_ENVIRON]`, read inline, bound to
a name, or received as a parameter that a caller fills with it (RULES.md,
"gate"). Gates are found in every handler and in every helper a handler
reaches through calls that pass it the request, its environ or the version,
in any module of the project; each gate remembers the handlers that reach it.
Versions are resolved statically (tuples, '1.30' strings, constants of this
or an imported module); a gate whose versions cannot be resolved is skipped.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import libcst as cst

from reviewlint.module import Decorator, Function, ModuleInfo, string_value, walk
from reviewlint.schemas import evaluator_for
from reviewlint.versions import ServiceVersions, Version, VersionRange, format_version, version_of_value

if TYPE_CHECKING:
    from reviewlint.project import Project

VERSION_KEY = "MICROVERSION_ENVIRON"
MAX_DEPTH = 4
# `V op (1, N)`: the range of V on which the comparison holds.
_OPERATORS: dict[type, str] = {
    cst.GreaterThanEqual: ">=", cst.GreaterThan: ">", cst.LessThan: "<",
    cst.LessThanEqual: "<=", cst.Equal: "==",
}
_FLIPPED = {">=": "<=", ">": "<", "<": ">", "<=": ">=", "==": "=="}


class Carrier(enum.Enum):
    """A value from which the requested version can be read."""

    REQUEST = "request"
    ENVIRON = "environ"
    VERSION = "version"


@dataclass(frozen=True)
class GatedHandler:
    """A handler that reaches a gate, with the versions its own `version_handler` gives it."""

    qualname: str
    name: str
    index: int  # which definition of the name
    minimum: Version | None  # None: from the service's first version
    maximum: Version | None  # None: up to the latest version

    def versions(self, service: ServiceVersions) -> VersionRange:
        """The versions on which this definition runs."""
        return VersionRange(self.minimum or service.minimum, self.maximum or service.latest)


@dataclass(frozen=True)
class Gate:
    """One place whose behaviour depends on the microversion."""

    path: Path
    module: str
    form: str  # "version_handler", "matches" or "comparison"
    minimum: Version | None  # the lower version it names (None: open below)
    maximum: Version | None  # the upper version it names (None: open above)
    exclusive_min: bool  # `V > (1, N)`: the range starts after N
    exclusive_max: bool  # `V < (1, N)`: the range ends before N
    handlers: tuple[GatedHandler, ...]
    node: cst.CSTNode = field(compare=False, repr=False)
    owner: ModuleInfo = field(compare=False, repr=False)

    @property
    def line(self) -> int:
        """The gate's line (positions are computed only when a finding needs them)."""
        return self.owner.position(self.node)[0]

    @property
    def col(self) -> int:
        """The gate's 0-based column."""
        return self.owner.position(self.node)[1]

    @property
    def named(self) -> tuple[Version, ...]:
        """The versions the gate names."""
        return tuple(v for v in (self.minimum, self.maximum) if v is not None)

    def range(self, service: ServiceVersions) -> VersionRange | None:
        """The versions on which the gated code runs; None when it names an undeclared version."""
        if not all(service.declares(v) for v in self.named):
            return None
        low = self.minimum or service.minimum
        if self.minimum is not None and self.exclusive_min:
            low = service.after(self.minimum) or (self.minimum[0], self.minimum[1] + 1)
        high = self.maximum or service.latest
        if self.maximum is not None and self.exclusive_max:
            high = service.before(self.maximum) or (self.maximum[0], self.maximum[1] - 1)
        return VersionRange(low, high)

    def describe(self) -> str:
        """How messages name the gate's condition: `>= 1.15`, `1.2..1.6`."""
        low = format_version(self.minimum) if self.minimum else None
        high = format_version(self.maximum) if self.maximum else None
        if low and high:
            return f"{low}..{high}" if low != high else f"== {low}"
        if low:
            return f"{'>' if self.exclusive_min else '>='} {low}"
        return f"{'<' if self.exclusive_max else '<='} {high}"


@dataclass
class _Draft:
    module: ModuleInfo
    node: cst.CSTNode
    form: str
    minimum: Version | None
    maximum: Version | None
    exclusive_min: bool = False
    exclusive_max: bool = False
    handlers: dict[tuple[str, int], GatedHandler] = field(default_factory=dict)

    def freeze(self) -> Gate:
        handlers = tuple(self.handlers[k] for k in sorted(self.handlers))
        return Gate(self.module.path, self.module.name, self.form, self.minimum, self.maximum,
                    self.exclusive_min, self.exclusive_max, handlers, self.node, self.module)


_GateKey = tuple[str, int]  # (module name, id of the node)


class GateFinder:
    """Finds gates, following handlers into helpers; results are cached per call signature."""

    def __init__(self, project: "Project") -> None:
        self.project = project
        self.evaluator = evaluator_for(project)
        self.drafts: dict[_GateKey, _Draft] = {}
        self._reached: dict[tuple[str, int, tuple[tuple[str, str], ...]], frozenset[_GateKey]] = {}

    # -- versions -----------------------------------------------------------------
    def bounds(self, module: ModuleInfo, low: cst.BaseExpression | None, high: cst.BaseExpression | None
               ) -> tuple[Version | None, Version | None] | None:
        """The versions two bound expressions name (None for an absent or `None` bound).

        None when a given bound cannot be resolved, or when both are absent:
        such a gate is skipped, not guessed.
        """
        resolved: list[Version | None] = []
        for expr in (low, high):
            if expr is None or (isinstance(expr, cst.Name) and expr.value == "None"):
                resolved.append(None)
                continue
            version = version_of_value(self.evaluator.evaluate(module, expr))
            if version is None:
                return None
            resolved.append(version)
        if resolved[0] is None and resolved[1] is None:
            return None
        return resolved[0], resolved[1]

    def _decorator_bounds(self, handler: Function) -> tuple[Decorator, tuple[Version | None, Version | None]] | None:
        for decorator in handler.decorators:
            if decorator.short == "version_handler" and decorator.call is not None:
                found = self.bounds(handler.owner, _argument(decorator.call, 0, ("min_ver", "min_version")),
                                    _argument(decorator.call, 1, ("max_ver", "max_version")))
                return (decorator, found) if found is not None else None
        return None

    def own_range(self, handler: Function) -> tuple[Version | None, Version | None]:
        """A handler's `version_handler` bounds ((None, None) when it has none we can read)."""
        found = self._decorator_bounds(handler)
        return found[1] if found is not None else (None, None)

    def gated_handler(self, handler: Function) -> GatedHandler:
        """The plain-data view of a handler for gate results."""
        low, high = self.own_range(handler)
        return GatedHandler(handler.qualname, handler.name, handler.index, low, high)

    # -- finding ------------------------------------------------------------------
    def reach(self, function: Function, carriers: dict[str, Carrier], depth: int = 0) -> frozenset[_GateKey]:
        """The gates `function` reaches when its parameters carry `carriers`."""
        signature = tuple(sorted((name, carrier.value) for name, carrier in carriers.items()))
        key = (function.qualname, function.index, signature)
        if key in self._reached:
            return self._reached[key]
        self._reached[key] = frozenset()  # recursion sees no gates, not a loop
        module = self.project.module(function.module) or function.owner
        scanner = _Scanner(self, module, function, carriers, depth)
        scanner.run()
        self._reached[key] = frozenset(scanner.reached)
        return self._reached[key]

    def scanned(self) -> set[tuple[str, int]]:
        """(qualname, definition index) of every function walked so far."""
        return {(qualname, index) for qualname, index, _ in self._reached}

    def add(self, module: ModuleInfo, node: cst.CSTNode, form: str, minimum: Version | None,
            maximum: Version | None, exclusive_min: bool = False, exclusive_max: bool = False) -> _GateKey:
        """Record a gate (once per node)."""
        key = (module.name, id(node))
        if key not in self.drafts:
            self.drafts[key] = _Draft(module, node, form, minimum, maximum, exclusive_min, exclusive_max)
        return key

    def decorator_gate(self, handler: Function) -> _GateKey | None:
        """The gate of a handler's own `version_handler`, if its versions resolve."""
        found = self._decorator_bounds(handler)
        if found is None:
            return None
        decorator, (low, high) = found
        return self.add(handler.owner, decorator.node, "version_handler", low, high)


class _Scanner:
    """One pass over a function body: carriers bound to names, gates, helper calls."""

    def __init__(self, finder: GateFinder, module: ModuleInfo, function: Function,
                 carriers: dict[str, Carrier], depth: int) -> None:
        self.finder = finder
        self.module = module
        self.function = function
        self.names = dict(carriers)
        self.depth = depth
        self.reached: set[_GateKey] = set()

    def run(self) -> None:
        for node in walk(self.function.node.body):
            kind = type(node)
            if kind is cst.Assign:
                self.assign(node)  # type: ignore[arg-type]
            elif kind is cst.Call:
                self.call(node)  # type: ignore[arg-type]
            elif kind is cst.Comparison:
                self.comparison(node)  # type: ignore[arg-type]

    # -- carriers -------------------------------------------------------------------
    def carrier(self, expr: cst.BaseExpression) -> Carrier | None:
        if isinstance(expr, cst.Name):
            return self.names.get(expr.value)
        if isinstance(expr, cst.Attribute):
            if expr.attr.value == "environ" and self.carrier(expr.value) is Carrier.REQUEST:
                return Carrier.ENVIRON
            return None
        if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
            index = expr.slice[0].slice
            if isinstance(index, cst.Index) and self.is_version_key(index.value):
                return Carrier.VERSION
            return None
        if (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)
                and expr.func.attr.value == "get" and expr.args and self.is_version_key(expr.args[0].value)):
            return Carrier.VERSION
        return None

    def is_version_key(self, expr: cst.BaseExpression) -> bool:
        literal = string_value(expr)
        if literal is not None:
            return literal.endswith(".microversion")
        name = self.module.resolve(expr)
        return name is not None and name.rsplit(".", 1)[-1] == VERSION_KEY

    def assign(self, node: cst.Assign) -> None:
        carrier = self.carrier(node.value)
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                if carrier is None:
                    self.names.pop(target.target.value, None)
                else:
                    self.names[target.target.value] = carrier

    # -- gates ----------------------------------------------------------------------
    def call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "matches":
            if self.carrier(func.value) is Carrier.VERSION:
                self.matches(node)
            return
        bound = {param: carrier for param, expr in _bind(node, None) if (carrier := self.carrier(expr))}
        if not bound or self.depth >= MAX_DEPTH:
            return  # only a helper that can see the version can hold a gate for this handler
        name = self.module.resolve(func)
        if not name or "." not in name:
            return
        helper = self.finder.project.function(name)
        if helper is None or helper.node is self.function.node:
            return
        carriers = {param: carrier for param, expr in _bind(node, helper)
                    if (carrier := self.carrier(expr)) is not None}
        if carriers:
            self.reached |= self.finder.reach(helper, carriers, self.depth + 1)

    def matches(self, node: cst.Call) -> None:
        found = self.finder.bounds(self.module, _argument(node, 0, ("min_version",)),
                                   _argument(node, 1, ("max_version",)))
        if found is not None:  # unresolvable or unbounded gates are skipped, not guessed
            self.reached.add(self.finder.add(self.module, node, "matches", *found))

    def comparison(self, node: cst.Comparison) -> None:
        left: cst.BaseExpression = node.left
        for target in node.comparisons:
            right = target.comparator
            operator = _OPERATORS.get(type(target.operator))
            if operator is not None:
                if self.carrier(left) is Carrier.VERSION:
                    self.compare(node, operator, right)
                elif self.carrier(right) is Carrier.VERSION:
                    self.compare(node, _FLIPPED[operator], left)
            left = right

    def compare(self, node: cst.Comparison, operator: str, other: cst.BaseExpression) -> None:
        found = self.finder.bounds(self.module, other, None)
        if found is None or found[0] is None:
            return
        version = found[0]
        low = version if operator in (">=", ">", "==") else None
        high = version if operator in ("<=", "<", "==") else None
        self.reached.add(self.finder.add(self.module, node, "comparison", low, high,
                                         operator == ">", operator == "<"))


def _argument(call: cst.Call, index: int, keywords: tuple[str, ...]) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in keywords:
            return arg.value
    positional = [a for a in call.args if a.keyword is None and not a.star]
    return positional[index].value if index < len(positional) else None


def _bind(call: cst.Call, function: Function | None) -> Iterator[tuple[str, cst.BaseExpression]]:
    """(parameter, argument) pairs; without a function, positions stand in for names."""
    position = 0
    for arg in call.args:
        if arg.star:
            continue
        if arg.keyword is not None:
            yield arg.keyword.value, arg.value
        else:
            if function is None:
                yield str(position), arg.value
            elif position < len(function.params):
                yield function.params[position], arg.value
            position += 1


def _build(project: "Project") -> tuple[Gate, ...]:
    finder = GateFinder(project)
    for handler in project.handlers():
        keys = set(finder.reach(handler, {handler.params[0]: Carrier.REQUEST} if handler.params else {}))
        own = finder.decorator_gate(handler)
        if own is not None:
            keys.add(own)
        view = finder.gated_handler(handler)
        for key in keys:
            finder.drafts[key].handlers[(handler.qualname, handler.index)] = view
    # Inline gates of handler-module functions no handler reaches still name
    # versions (RVL402, RVL403).
    scanned = finder.scanned()
    for module in project.handler_modules():
        for function in module.functions:
            if (function.qualname, function.index) not in scanned:  # reached ones were walked already
                finder.reach(function, {})
    drafts = sorted(finder.drafts.values(), key=lambda d: str(d.module.path))
    return tuple(d.freeze() for d in drafts)


def project_gates(project: "Project") -> tuple[Gate, ...]:
    """Every gate of the project, with the handlers that reach each."""
    return project.analysis("gates", _build)  # type: ignore[no-any-return]
