"""Microversion gates: where behaviour depends on the requested version.

A gate is a `@version_handler(MIN[, MAX])` decorator, a `V.matches(...)`
call or a comparison `V >= (1, N)` on the request's version V — the value
of `req.environ[microversion.MICROVERSION_ENVIRON]`, read inline, bound to
a name, or received as a parameter that a caller fills with it (RULES.md,
"gate"). The one handler interpreter (contract.py) meets them, in every
handler and in every helper a handler reaches, at the versions where that
code runs; this module says what a gate is made of. Versions are resolved
statically (tuples, '1.30' strings, constants of this or an imported
module); a gate whose versions cannot be resolved is skipped.

Gates are cached as data (`GateRecord`s naming their node by its walk
ordinal), with each handler's summary (summary.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import libcst as cst

from reviewlint.analysis.request_terms import COMPARISONS, FLIPPED
from reviewlint.analysis.calls import argument
from reviewlint.model.module import Decorator, Function, ModuleInfo, Site, string_value, walk
from reviewlint.model.project import Codec
from reviewlint.model.schemas import evaluator_for
from reviewlint.service.versions import ServiceVersions, version_of_value
from reviewlint.core.microversion import Version, VersionRange, format_version, parse_version
from reviewlint.model.facts import resolve_function

if TYPE_CHECKING:
    from reviewlint.model.facts import FunctionRef
    from reviewlint.model.project import Project

VERSION_KEY = "MICROVERSION_ENVIRON"


def is_version_key(module: ModuleInfo, expr: cst.BaseExpression) -> bool:
    """True when `expr` is the environ key of the request's microversion (`'placement.microversion'`)."""
    literal = string_value(expr)
    if literal is not None:
        return literal.endswith(".microversion")
    name = module.resolve(expr)
    return name is not None and name.rsplit(".", 1)[-1] == VERSION_KEY


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

    def to_data(self) -> list[Any]:
        """The view as JSON data."""
        return [self.qualname, self.name, self.index, list(self.minimum) if self.minimum else None,
                list(self.maximum) if self.maximum else None]

    @classmethod
    def from_data(cls, data: Any) -> "GatedHandler":
        """The view from its JSON data."""
        qualname, name, index, low, high = data
        return cls(str(qualname), str(name), int(index), _version(low), _version(high))


@dataclass(frozen=True)
class GateRecord:
    """A gate as cached data: where it is, its form and the versions it names."""

    site: Site
    module: str
    form: str  # "version_handler", "matches" or "comparison"
    minimum: Version | None  # the lower version it names (None: open below)
    maximum: Version | None  # the upper version it names (None: open above)
    exclusive_min: bool = False  # `V > (1, N)`: the range starts after N
    exclusive_max: bool = False  # `V < (1, N)`: the range ends before N

    def to_data(self) -> list[Any]:
        """The record as JSON data."""
        return [str(self.site.path), self.site.ordinal, self.module, self.form,
                list(self.minimum) if self.minimum else None, list(self.maximum) if self.maximum else None,
                self.exclusive_min, self.exclusive_max]

    @classmethod
    def from_data(cls, data: Any) -> "GateRecord":
        """The record from its JSON data."""
        path, ordinal, module, form, low, high, exclusive_min, exclusive_max = data
        return cls(Site(Path(path), int(ordinal)), str(module), str(form), _version(low), _version(high),
                   bool(exclusive_min), bool(exclusive_max))


@dataclass(frozen=True)
class GateHelper:
    """A function that raises unless the request's version lies in a range its caller passes.

    `microversion.raise_404_if_not_version(req, (1, 1))` (Placement until
    December 2017): `if not want_version.matches(min_version, max_version):
    raise ...`. Recognised by what it does, not by its name: everything after
    the call runs only in the range, so the call is a gate of its caller.
    """

    carrier: str  # the parameter that carries the request, its environ or its version
    minimum: str  # the parameter that carries the lower version
    maximum: str | None  # the parameter that carries the upper version, if any


GATE_HELPER: "Codec[GateHelper | None]" = Codec(
    lambda helper: [helper.carrier, helper.minimum, helper.maximum] if helper is not None else None,
    lambda data: GateHelper(str(data[0]), str(data[1]), None if data[2] is None else str(data[2]))
    if data is not None else None)


def _gate_helper_of(function: Function) -> GateHelper | None:
    """`function` as a gate helper: an `if` on a parameter's version against parameters that raises."""
    params = set(function.params)
    derived: dict[str, str] = {}  # local name -> the parameter its version comes from

    def source(expr: cst.BaseExpression) -> str | None:
        if isinstance(expr, cst.Name):
            return expr.value if expr.value in params else derived.get(expr.value)
        if isinstance(expr, cst.Attribute):
            return source(expr.value) if expr.attr.value == "environ" else None
        if isinstance(expr, cst.Subscript):
            return source(expr.value)
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "get":
            return source(expr.func.value)
        return None

    for node in walk(function.node.body):
        if isinstance(node, cst.Assign) and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            carrier = source(node.value)
            if carrier is not None:
                derived[node.targets[0].target.value] = carrier
        elif isinstance(node, cst.If) and any(isinstance(n, cst.Raise) for n in walk(node.body)):
            found = _raising_test(node.test, params, source, set(derived))
            if found is not None:
                return found
    return None


def _raising_test(test: cst.BaseExpression, params: set[str], source: Any,
                  derived: set[str]) -> GateHelper | None:
    """The gate an `if test: raise` makes of its function, when `test` is a version outside a range."""
    def param(expr: cst.BaseExpression | None) -> str | None:
        return expr.value if isinstance(expr, cst.Name) and expr.value in params else None

    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inner = test.expression
        if isinstance(inner, cst.Call) and isinstance(inner.func, cst.Attribute) and inner.func.attr.value == "matches":
            carrier, low = source(inner.func.value), param(argument(inner, 0, "min_version"))
            high_expr = argument(inner, 1, "max_version")
            high = param(high_expr)
            if carrier is not None and low is not None and (high_expr is None or high is not None):
                return GateHelper(carrier, low, high)
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        operator = COMPARISONS.get(type(test.comparisons[0].operator))
        left, right = test.left, test.comparisons[0].comparator
        # `min_version > want_version`: the version read from the request on the right.
        if isinstance(right, cst.Name) and right.value in derived and param(left) is not None:
            left, right, operator = right, left, FLIPPED.get(operator or "", None)
        carrier, bound = source(left), param(right)
        if carrier is not None and bound is not None and operator == "<":  # raise below the minimum
            return GateHelper(carrier, bound, None)
    return None


def _version(data: Any) -> Version | None:
    return (int(data[0]), int(data[1])) if data is not None else None


@dataclass(frozen=True)
class Gate:
    """One place whose behaviour depends on the microversion, with the handlers that reach it."""

    record: GateRecord
    handlers: tuple[GatedHandler, ...]

    @property
    def site(self) -> Site:
        """Where the gate is."""
        return self.record.site

    @property
    def path(self) -> Path:
        """The file of the gate."""
        return self.record.site.path

    @property
    def module(self) -> str:
        """The dotted name of the gate's module."""
        return self.record.module

    @property
    def form(self) -> str:
        """`version_handler`, `matches` or `comparison`."""
        return self.record.form

    @property
    def minimum(self) -> Version | None:
        """The lower version it names (None: open below)."""
        return self.record.minimum

    @property
    def maximum(self) -> Version | None:
        """The upper version it names (None: open above)."""
        return self.record.maximum

    @property
    def exclusive_min(self) -> bool:
        """`V > (1, N)`: the range starts after N."""
        return self.record.exclusive_min

    @property
    def exclusive_max(self) -> bool:
        """`V < (1, N)`: the range ends before N."""
        return self.record.exclusive_max

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

    def to_data(self) -> list[Any]:
        """The gate as JSON data."""
        return [self.record.to_data(), [h.to_data() for h in self.handlers]]

    @classmethod
    def from_data(cls, data: Any) -> "Gate":
        """The gate from its JSON data."""
        record, handlers = data
        return cls(GateRecord.from_data(record), tuple(GatedHandler.from_data(h) for h in handlers))

    def describe(self) -> str:
        """How messages name the gate's condition: `>= 1.15`, `1.2..1.6`."""
        low = format_version(self.minimum) if self.minimum else None
        high = format_version(self.maximum) if self.maximum else None
        if low and high:
            return f"{low}..{high}" if low != high else f"== {low}"
        if low:
            return f"{'>' if self.exclusive_min else '>='} {low}"
        return f"{'<' if self.exclusive_max else '<='} {high}"


class GateFinder:
    """What a gate is made of: the versions bound expressions name, a handler's own `version_handler`,
    and the helpers that gate their callers. The interpreter (contract.py) finds the gates."""

    def __init__(self, project: "Project") -> None:
        self.project = project
        self.evaluator = evaluator_for(project)

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
            if isinstance(expr, cst.Float):  # `version_handler(1.10)`: the text, not the float 1.1
                version = parse_version(expr.value)
            else:
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
                found = self.bounds(handler.owner, argument(decorator.call, 0, "min_ver", "min_version"),
                                    argument(decorator.call, 1, "max_ver", "max_version"))
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

    def decorator_gate(self, handler: Function) -> GateRecord | None:
        """The gate of a handler's own `version_handler`, if its versions resolve."""
        found = self._decorator_bounds(handler)
        if found is None:
            return None
        decorator, (low, high) = found
        module = handler.owner
        return GateRecord(Site(module.path, module.ordinal(decorator.node)), module.name, "version_handler",
                          low, high)

    # -- gate helpers ---------------------------------------------------------------
    def gate_helper(self, callee: "FunctionRef") -> "GateHelper | None":
        """How `callee` gates its caller, if it is a gate helper (see `GateHelper`)."""
        def compute() -> GateHelper | None:
            function = resolve_function(self.project, callee)
            return _gate_helper_of(function) if function is not None else None

        return self.project.memo(f"gatehelper:{callee.key}", compute, GATE_HELPER)
