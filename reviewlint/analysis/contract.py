"""What each route accepts and returns, microversion by microversion, read from the code.

For every route of `ROUTE_DECLARATIONS` and every definition of its handler
(versioned redefinitions each serve their own `version_handler` range), a
small abstract interpreter walks the handler and the project helpers it
calls, keeping for every value the set of microversions at which it holds.
A `want_version.matches(...)` or `want_version >= (1, N)` test splits the
versions between the branches of an `if`; a loop over a constant list
(`for maj, min in _GET_SCHEMA_MICROVERSIONS`) is unrolled, so
`getattr(schema, 'GET_SCHEMA_%d_%d' % (maj, min))` names one schema per
version. What comes out, per definition and as version masks:

* the request-body schemas (`extract_json(req.body, S)`, `jsonschema.validate`
  on the decoded body) and the query-string schemas (`jsonschema.validate` on
  `req.GET`, usually through `util.validate_query_params`) in force at each
  version, resolved by the schema evaluator (`copy.deepcopy` chains and later
  item assignments included);
* the query parameters read (`req.GET.get('x')`, `'x' in req.GET`...);
* the keys written into the dicts that reach the response body
  (`response.body = ...dumps(payload)`), through the serializer helpers that
  build them, each with the versions at which it is written: a key set only
  under a gate exists only at the gate's versions, on that route's path.

Nothing is imported or executed; a value the interpreter cannot follow is
simply not known, and the rules say nothing about it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import libcst as cst

from reviewlint.analysis.gates import is_version_key
from reviewlint.model.module import Function, ModuleInfo, string_value
from reviewlint.model.module import dotted as dotted_name
from reviewlint.model.schemas import (UNKNOWN, Const, DictValue, ListValue, Unknown, Value, evaluator_for,
                                      string_operation)
from reviewlint.core.microversion import Version, format_version
from reviewlint.service.versions import version_of_value
from reviewlint.service.handlers import handler_refs
from reviewlint.model.facts import function_named

if TYPE_CHECKING:
    from reviewlint.model.project import Project
    from reviewlint.service.routes import Route
    from reviewlint.service.versions import ServiceVersions

MAX_DEPTH = 6
MAX_UNROLL = 64
MAX_ALTERNATIVES = 32
BODY_ATTRS = frozenset({"body", "body_file", "text", "json", "json_body", "POST"})
QUERY_ATTRS = frozenset({"GET", "params"})
QUERY_READS = frozenset({"get", "getall", "getone", "dict_of_lists"})
RESPONSE_BODY_ATTRS = frozenset({"body", "json_body", "text", "json"})
# Calls whose result carries the dicts given to them (serialising, copying, wrapping).
PASS_THROUGH = frozenset({
    "dumps", "dump_as_bytes", "to_utf8", "safe_encode", "list", "tuple", "sorted", "copy", "deepcopy",
    "to_primitive", "jsonify", "dict", "OrderedDict", "defaultdict",
})
MAPPING_CONSTRUCTORS = frozenset({"dict", "OrderedDict", "defaultdict"})
CONTAINER_METHODS = frozenset({"append", "extend", "insert", "add", "update"})

_OPERATORS: dict[type, str] = {
    cst.GreaterThanEqual: ">=", cst.GreaterThan: ">", cst.LessThan: "<",
    cst.LessThanEqual: "<=", cst.Equal: "==",
}
_FLIPPED = {">=": "<=", ">": "<", "<": ">", "<=": ">=", "==": "=="}


# -- versions as bit masks -------------------------------------------------------------------

@dataclass(frozen=True)
class VersionSpace:
    """The declared microversions, ascending; a set of them is an int with bit i for the i-th."""

    versions: tuple[Version, ...]

    @property
    def all(self) -> int:
        """Every version."""
        return (1 << len(self.versions)) - 1

    def mask(self, low: Version | None, high: Version | None) -> int:
        """The versions from `low` to `high` (None: unbounded), both included."""
        result = 0
        for index, version in enumerate(self.versions):
            if (low is None or version >= low) and (high is None or version <= high):
                result |= 1 << index
        return result

    def members(self, mask: int) -> list[Version]:
        """The versions in `mask`, ascending."""
        return [v for i, v in enumerate(self.versions) if mask >> i & 1]

    def lowest(self, mask: int) -> Version | None:
        """The lowest version in `mask`."""
        if not mask:
            return None
        return self.versions[(mask & -mask).bit_length() - 1]

    def highest(self, mask: int) -> Version | None:
        """The highest version in `mask`."""
        return self.versions[mask.bit_length() - 1] if mask else None

    def below(self, version: Version) -> int:
        """The versions lower than `version`."""
        return self.mask(None, None) & ~self.mask(version, None)

    def above(self, version: Version) -> int:
        """The versions higher than `version`."""
        return self.mask(None, None) & ~self.mask(None, version)

    def runs(self, mask: int) -> list[tuple[Version, Version]]:
        """`mask` as maximal runs of consecutive declared versions."""
        runs: list[tuple[Version, Version]] = []
        start: Version | None = None
        previous: Version | None = None
        for index, version in enumerate(self.versions):
            if mask >> index & 1:
                if start is None:
                    start = version
                previous = version
            elif start is not None and previous is not None:
                runs.append((start, previous))
                start = None
        if start is not None and previous is not None:
            runs.append((start, previous))
        return runs

    def describe(self, mask: int) -> str:
        """`1.12..1.27, 1.37`: the runs of `mask`."""
        return ", ".join(format_version(a) if a == b else f"{format_version(a)}..{format_version(b)}"
                         for a, b in self.runs(mask))


# -- abstract values -------------------------------------------------------------------------

class Carrier(enum.Enum):
    """What a value is, relative to the request."""

    REQUEST = "request"
    ENVIRON = "environ"
    VERSION = "version"
    RESPONSE = "response"
    BODY = "body"  # the body, or a value computed from it
    QUERY = "query"  # the query string (req.GET), or a value computed from it


@dataclass(frozen=True)
class Spot:
    """A node of a module, positioned only when a message needs it."""

    module: ModuleInfo = field(compare=False, repr=False)
    node: cst.CSTNode = field(compare=False, repr=False)
    key: tuple[str, int] = (("", 0))

    @staticmethod
    def of(module: ModuleInfo, node: cst.CSTNode) -> "Spot":
        """The site of `node` in `module`."""
        return Spot(module, node, (module.name, id(node)))

    @property
    def path(self) -> Path:
        """The module's file."""
        return self.module.path

    @property
    def line(self) -> int:
        """The node's line."""
        return self.module.position(self.node)[0]

    @property
    def code(self) -> str:
        """The node's source text, on one line."""
        return " ".join(self.module.tree.code_for_node(self.node).split())


@dataclass(frozen=True)
class Cond:
    """A truth value that depends on the microversion: true at the versions in `mask`."""

    mask: int
    site: Spot | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Schema:
    """A schema constant, with its name and where it is assigned (for messages)."""

    value: Any  # a schemas.Value
    label: str
    site: Spot | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Literal:
    """A constant: string, number, or a tuple of constants (`(1, 38)`)."""

    value: Any  # Const or ListValue


@dataclass(frozen=True)
class Objects:
    """Dicts and lists built here (by their creating node) that may end up in the response."""

    origins: frozenset[tuple[str, int]]


@dataclass(frozen=True)
class Derived:
    """A value computed from the body or the query string."""

    kinds: frozenset[Carrier]


Item = Any  # Carrier | Cond | Schema | Literal | Objects | Derived | ModuleRef | Constant
Alts = tuple[tuple[int, Item], ...]  # (versions, value) alternatives; () means nothing known


@dataclass(frozen=True)
class Constant:
    """A module-level name of the project (`schema.POST_X`), evaluated only when its value is needed."""

    key: tuple[str, str]  # (module, name as written)
    module: ModuleInfo = field(compare=False, repr=False)
    expr: cst.BaseExpression = field(compare=False, repr=False)


@dataclass(frozen=True)
class ModuleRef:
    """A project module used as a value (`getattr(schema, name)`)."""

    dotted: str


def _alts(mask: int, item: Item) -> Alts:
    return ((mask, item),) if mask else ()


def _merge(alternatives: Iterable[tuple[int, Item]]) -> Alts:
    """Alternatives with equal values joined, at most MAX_ALTERNATIVES of them."""
    joined: dict[Item, int] = {}
    for mask, item in alternatives:
        if mask:
            joined[item] = joined.get(item, 0) | mask
    merged = tuple((mask, item) for item, mask in joined.items())
    return merged[:MAX_ALTERNATIVES]


def _within(alts: Alts, live: int) -> Alts:
    return tuple((mask & live, item) for mask, item in alts if mask & live)


def _origins(alts: Alts) -> frozenset[tuple[str, int]]:
    found: set[tuple[str, int]] = set()
    for _, item in alts:
        if isinstance(item, Objects):
            found |= item.origins
    return frozenset(found)


def _kinds(alts: Alts) -> frozenset[Carrier]:
    found: set[Carrier] = set()
    for _, item in alts:
        if isinstance(item, Derived):
            found |= item.kinds
        elif item in (Carrier.BODY, Carrier.QUERY):
            found.add(item)
    return frozenset(found)


def _interesting(alts: Alts) -> bool:
    """Whether a helper receiving this can depend on the version or see the request (Derived
    data and dicts alone are followed only into serializers, see `_Frame.serializer`)."""
    return any(isinstance(item, (Carrier, Cond, Schema)) for _, item in alts)


# -- what one analysis finds ------------------------------------------------------------------

@dataclass(frozen=True)
class SchemaUse:
    """A schema validating the body or the query string at some versions (schema None: unresolved)."""

    mask: int
    schema: Schema | None
    site: Spot


@dataclass(frozen=True)
class QueryRead:
    """A query parameter read at some versions."""

    mask: int
    name: str
    site: Spot


@dataclass(frozen=True)
class KeyWrite:
    """A key written into a dict (or dict literal) at some versions."""

    origin: tuple[str, int]
    key: str
    mask: int
    site: Spot


@dataclass
class Facts:
    """What one function, with the helpers it calls, does at which versions."""

    body_schemas: list[SchemaUse] = field(default_factory=list)
    query_schemas: list[SchemaUse] = field(default_factory=list)
    query_reads: list[QueryRead] = field(default_factory=list)
    body_reads: int = 0
    writes: list[KeyWrite] = field(default_factory=list)
    contains: list[tuple[tuple[str, int], frozenset[tuple[str, int]]]] = field(default_factory=list)
    sinks: list[tuple[int, frozenset[tuple[str, int]]]] = field(default_factory=list)
    conds: list[Cond] = field(default_factory=list)

    def extend(self, other: "Facts") -> None:
        """Add what a helper did."""
        self.body_schemas += other.body_schemas
        self.query_schemas += other.query_schemas
        self.query_reads += other.query_reads
        self.body_reads |= other.body_reads
        self.writes += other.writes
        self.contains += other.contains
        self.sinks += other.sinks
        self.conds += other.conds


@dataclass(frozen=True)
class Summary:
    """A function's facts and return values for one call signature."""

    facts: Facts
    returns: Alts


# -- the interpreter ---------------------------------------------------------------------------

class Interpreter:
    """Walks functions with version masks; summaries are cached per call signature."""

    def __init__(self, project: "Project", space: VersionSpace) -> None:
        self.project = project
        self.space = space
        self.evaluator = evaluator_for(project)
        self._summaries: dict[tuple[Any, ...], Summary] = {}
        self.constants: dict[tuple[str, str], Item | None] = {}
        self._modules: dict[str, bool] = {}
        self.paths: set[Path] = set()  # the modules walked (their changes change the contracts)
        self.handler_module_names = frozenset(ref.module for ref in handler_refs(project))
        self._active: set[tuple[str, int]] = set()

    def is_module(self, dotted: str) -> bool:
        """True when `dotted` names a module of the project (`placement.schemas.allocation`)."""
        if dotted not in self._modules:
            self._modules[dotted] = self.project.module_path(dotted) is not None
        return self._modules[dotted]

    def resolve(self, constant: "Constant") -> Item | None:
        """A Constant's value: a Schema for a dict, a Literal for anything else known."""
        if constant.key not in self.constants:
            self.constants[constant.key] = self._resolve(constant)
        return self.constants[constant.key]

    def _resolve(self, constant: "Constant") -> Item | None:
        module, expr = constant.module, constant.expr
        dotted = module.resolve(expr)
        if dotted is None:
            return None
        found = self.project.split_path(dotted)
        if found is not None and not _assigns(self.project, found[1], found[2]):
            return None  # a class, a function, an exception: not worth parsing its module for
        if found is not None:
            self.paths.add(found[1])
        value = self.evaluator.evaluate(module, expr)
        if isinstance(value, Unknown):
            return None
        if isinstance(value, DictValue):
            return Schema(value, dotted.rsplit(".", 1)[-1], self.schema_site(module, dotted))
        return Literal(value)

    def schema_site(self, module: ModuleInfo, dotted: str) -> Spot | None:
        """Where a schema constant is assigned."""
        found = self.project.split_dotted(dotted)
        owner, name = found if found is not None else (module, dotted.rsplit(".", 1)[-1])
        assignments = owner.assignments.get(name)
        return Spot.of(owner, assignments[-1]) if assignments else None

    def analyze(self, function: Function, params: dict[str, Alts], live: int, depth: int = 0) -> Summary:
        """What `function` does at the versions in `live` when its parameters hold `params`."""
        signature = tuple(sorted((name, value) for name, value in params.items()))
        key = (function.qualname, function.index, live, signature)
        if key in self._summaries:
            return self._summaries[key]
        if (function.qualname, function.index) in self._active:
            return Summary(Facts(), ())
        self._active.add((function.qualname, function.index))
        try:
            module = self.project.module(function.module) or function.owner
            self.paths.add(module.path)
            frame = _Frame(self, module, function, dict(params), depth)
            frame.defaults(live)
            frame.block(function.node.body, live, True)
            summary = Summary(frame.facts, _merge(frame.returns))
        finally:
            self._active.discard((function.qualname, function.index))
        self._summaries[key] = summary
        return summary


class _Frame:
    """One function being walked: its local names and what it found."""

    def __init__(self, interpreter: Interpreter, module: ModuleInfo, function: Function,
                 env: dict[str, Alts], depth: int) -> None:
        self.interpreter = interpreter
        self.space = interpreter.space
        self.module = module
        self.function = function
        self.env = env
        self.depth = depth
        self.facts = Facts()
        self.returns: list[tuple[int, Item]] = []

    def defaults(self, live: int) -> None:
        """Bind the literal defaults of parameters the caller left out (`show_label=False`)."""
        parameters = self.function.node.params
        for param in (*parameters.posonly_params, *parameters.params, *parameters.kwonly_params):
            if param.default is not None and param.name.value not in self.env:
                value = tuple(alt for alt in self.eval(param.default, live) if isinstance(alt[1], Literal))
                if value:
                    self.env[param.name.value] = value

    # -- statements ---------------------------------------------------------------------------
    def block(self, node: cst.BaseSuite | Iterable[cst.CSTNode], live: int, definite: bool) -> int:
        """Run the statements of a suite at `live`; the versions still running after it."""
        if isinstance(node, cst.IndentedBlock):
            statements: Iterable[cst.CSTNode] = node.body
        elif isinstance(node, cst.SimpleStatementSuite):
            statements = [node]
        else:
            statements = node  # type: ignore[assignment]
        for statement in statements:
            if not live:
                break
            live = self.statement(statement, live, definite)
        return live

    def statement(self, node: cst.CSTNode, live: int, definite: bool) -> int:
        if isinstance(node, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in node.body:
                live = self.small(small, live, definite)
                if not live:
                    break
            return live
        if isinstance(node, cst.If):
            return self.if_statement(node, live, definite)
        if isinstance(node, cst.For):
            return self.for_statement(node, live, definite)
        if isinstance(node, cst.While):
            self.condition(node.test, live)
            self.block(node.body, live, False)
            return live
        if isinstance(node, cst.With):
            for item in node.items:
                value = self.eval(item.item, live)
                if item.asname is not None:
                    self.bind(item.asname.name, value, live, definite)
            return self.block(node.body, live, definite)
        if isinstance(node, (cst.Try, cst.TryStar)):
            after = self.block(node.body, live, definite)
            if node.orelse is not None:
                after = self.block(node.orelse.body, after, definite)
            for handler in node.handlers:
                after |= self.block(handler.body, live, False)
            if node.finalbody is not None:
                self.block(node.finalbody.body, live, False)
            return after
        return live  # nested functions and classes: not walked

    def small(self, node: cst.BaseSmallStatement, live: int, definite: bool) -> int:
        if isinstance(node, cst.Assign):
            value = self.eval(node.value, live)
            for target in node.targets:
                self.assign(target.target, value, node.value, live, definite)
        elif isinstance(node, cst.AnnAssign) and node.value is not None:
            self.assign(node.target, self.eval(node.value, live), node.value, live, definite)
        elif isinstance(node, cst.AugAssign):
            value = self.eval(node.value, live)
            if isinstance(node.target, cst.Name):
                self.contain(self.eval(node.target, live), value)
        elif isinstance(node, cst.Expr):
            self.eval(node.value, live)
        elif isinstance(node, cst.Return):
            if node.value is not None:
                self.returns.extend(self.eval(node.value, live))
            return 0
        elif isinstance(node, cst.Raise):
            if node.exc is not None:
                self.eval(node.exc, live)
            return 0
        return live

    def if_statement(self, node: cst.If, live: int, definite: bool) -> int:
        true, false = self.condition(node.test, live)
        split = definite and not (true & false)
        after = self.block(node.body, true, split)
        orelse = node.orelse
        if isinstance(orelse, cst.If):
            after |= self.if_statement(orelse, false, split)
        elif isinstance(orelse, cst.Else):
            after |= self.block(orelse.body, false, split)
        else:
            after |= false
        return after

    def for_statement(self, node: cst.For, live: int, definite: bool) -> int:
        iterated = self.values(self.eval(node.iter, live))
        items = [item for _, item in iterated]
        if (len(items) == 1 and isinstance(items[0], Literal) and isinstance(items[0].value, ListValue)
                and len(items[0].value.items) <= MAX_UNROLL and iterated[0][0] == live):
            for element in items[0].value.items:  # a constant list: one pass per element
                if not live:
                    break
                self.unpack(node.target, element, live, definite)
                live = self.block(node.body, live, definite)
            return live
        elements = tuple((mask, item) for mask, item in iterated if isinstance(item, (Objects, Derived)))
        self.assign(node.target, elements, None, live, False)
        self.block(node.body, live, False)
        if node.orelse is not None:
            self.block(node.orelse.body, live, False)
        return live

    def unpack(self, target: cst.BaseExpression, element: Value, live: int, definite: bool) -> None:
        if isinstance(target, cst.Name):
            self.bind(target, _alts(live, Literal(element)), live, definite)
        elif isinstance(target, (cst.Tuple, cst.List)) and isinstance(element, ListValue):
            names = [e.value for e in target.elements if isinstance(e, cst.Element)]
            if len(names) == len(element.items):
                for name, item in zip(names, element.items):
                    self.unpack(name, item, live, definite)

    # -- names --------------------------------------------------------------------------------
    def bind(self, target: cst.BaseExpression, value: Alts, live: int, definite: bool) -> None:
        if not isinstance(target, cst.Name):
            return
        name = target.value
        old = self.env.get(name, ())
        if definite:
            kept = tuple((mask & ~live, item) for mask, item in old if mask & ~live)
        else:
            kept = old
        self.env[name] = _merge(kept + _within(value, live))

    def assign(self, target: cst.BaseExpression, value: Alts, source: cst.BaseExpression | None,
               live: int, definite: bool) -> None:
        if isinstance(target, cst.Name):
            self.bind(target, value, live, definite)
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = [e.value for e in target.elements if isinstance(e, cst.Element)]
            if isinstance(source, (cst.Tuple, cst.List)) and len(source.elements) == len(elements):
                for element, expr in zip(elements, source.elements):
                    self.assign(element, self.eval(expr.value, live), expr.value, live, definite)
            else:
                for element in elements:
                    self.assign(element, value, None, live, definite)
        elif isinstance(target, cst.Subscript):
            container = self.eval(target.value, live)
            key = self.key_of(target, live)
            if key is not None:
                self.write(container, key, live, target)
            self.contain(container, value)
        elif isinstance(target, cst.Attribute):
            owner = self.eval(target.value, live)
            if target.attr.value in RESPONSE_BODY_ATTRS:
                mask = 0
                for at, item in owner:
                    if item is Carrier.RESPONSE:
                        mask |= at & live
                origins = _origins(value)
                if mask and origins:
                    self.facts.sinks.append((mask, origins))

    def key_of(self, target: cst.Subscript, live: int) -> str | None:
        if len(target.slice) != 1 or not isinstance(target.slice[0].slice, cst.Index):
            return None
        return self.literal_string(target.slice[0].slice.value, live)

    def literal_string(self, expr: cst.BaseExpression, live: int) -> str | None:
        found = [item.value.value for _, item in self.values(self.eval(expr, live))
                 if isinstance(item, Literal) and isinstance(item.value, Const) and isinstance(item.value.value, str)]
        return found[0] if len(found) == 1 else None

    def write(self, container: Alts, key: str, live: int, node: cst.CSTNode) -> None:
        for mask, item in container:
            if isinstance(item, Objects) and mask & live:
                for origin in item.origins:
                    self.facts.writes.append(KeyWrite(origin, key, mask & live, Spot.of(self.module, node)))

    def contain(self, container: Alts, value: Alts) -> None:
        inner = _origins(value)
        if inner:
            for origin in _origins(container):
                self.facts.contains.append((origin, inner))

    # -- conditions ---------------------------------------------------------------------------
    def condition(self, expr: cst.BaseExpression, live: int) -> tuple[int, int]:
        """(versions where it may be true, versions where it may be false), within `live`."""
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not):
            true, false = self.condition(expr.expression, live)
            return false, true
        if isinstance(expr, cst.BooleanOperation):
            if isinstance(expr.operator, cst.And):
                true_left, false_left = self.condition(expr.left, live)
                true_right, false_right = self.condition(expr.right, true_left)
                return true_right, false_left | false_right
            true_left, false_left = self.condition(expr.left, live)
            true_right, false_right = self.condition(expr.right, false_left)
            return true_left | true_right, false_right
        value = self.eval(expr, live)
        true = false = 0
        known = 0
        for mask, item in value:
            if isinstance(item, Cond):
                true |= mask & item.mask
                false |= mask & ~item.mask
                known |= mask
            elif isinstance(item, Literal) and isinstance(item.value, Const):
                # a flag a caller passed (`show_label=False`): the branch it picks is known
                if item.value.value:
                    true |= mask
                else:
                    false |= mask
                known |= mask
        unknown = live & ~known
        return (true | unknown) & live, (false | unknown) & live

    def cond(self, true: int, node: cst.CSTNode, live: int) -> Alts:
        found = Cond(true & self.space.all, Spot.of(self.module, node))
        self.facts.conds.append(found)
        return _alts(live, found)

    # -- expressions --------------------------------------------------------------------------
    def eval(self, expr: cst.BaseExpression, live: int) -> Alts:
        """The values `expr` may have at the versions in `live`."""
        if not live:
            return ()
        literal = string_value(expr)
        if literal is not None:
            return _alts(live, Literal(Const(literal)))
        if isinstance(expr, cst.Integer):
            return _alts(live, Literal(Const(int(expr.value, 0)))) if expr.value.isdigit() else ()
        if isinstance(expr, cst.Name):
            return self.name(expr, live)
        if isinstance(expr, cst.Attribute):
            return self.attribute(expr, live)
        if isinstance(expr, cst.Subscript):
            return self.subscript(expr, live)
        if isinstance(expr, cst.Call):
            return self.call(expr, live)
        if isinstance(expr, cst.Comparison):
            return self.comparison(expr, live)
        if isinstance(expr, (cst.BooleanOperation, cst.UnaryOperation)):
            if isinstance(expr, cst.UnaryOperation) and not isinstance(expr.operator, cst.Not):
                return self.eval(expr.expression, live)
            true, false = self.condition(expr, live)
            if true & false == 0 and (true | false) == live:
                return _alts(live, Cond(true))
            parts = (expr.left, expr.right) if isinstance(expr, cst.BooleanOperation) else ()
            return _merge(alt for part in parts for alt in self.eval(part, live)
                          if not isinstance(alt[1], Cond))
        if isinstance(expr, cst.IfExp):
            true, false = self.condition(expr.test, live)
            return _merge(self.eval(expr.body, true) + self.eval(expr.orelse, false))
        if isinstance(expr, cst.BinaryOperation):
            return self.binary(expr, live)
        if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
            return self.sequence(expr, live)
        if isinstance(expr, cst.Dict):
            return self.dict_literal(expr, live)
        if isinstance(expr, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            return self.comprehension(expr, live)
        return ()

    def name(self, expr: cst.Name, live: int) -> Alts:
        if expr.value in self.env:
            return _within(self.env[expr.value], live)
        if expr.value in ("True", "False", "None"):
            return _alts(live, Literal(Const({"True": True, "False": False, "None": None}[expr.value])))
        return self.constant(expr, live)

    def constant(self, expr: cst.BaseExpression, live: int) -> Alts:
        """A module-level name of this or another project module: a module, or a lazy Constant."""
        written = dotted_name(expr)
        if written is None:
            return ()
        head = written.split(".", 1)[0]
        if head not in self.module.imports and head not in self.module.assignments:
            return ()  # a local, a builtin or an attribute of an object: not a constant
        dotted = self.module.resolve(expr)
        if dotted is None:
            return ()
        if self.interpreter.is_module(dotted):
            return _alts(live, ModuleRef(dotted))
        return _alts(live, Constant((self.module.name, written), self.module, expr))

    def values(self, alts: Alts) -> Alts:
        """`alts` with every Constant replaced by its value (dropped when it has none we can use)."""
        if not any(isinstance(item, Constant) for _, item in alts):
            return alts
        found: list[tuple[int, Item]] = []
        for mask, item in alts:
            if isinstance(item, Constant):
                value = self.interpreter.resolve(item)
                if value is not None:
                    found.append((mask, value))
            else:
                found.append((mask, item))
        return _merge(found)

    def attribute(self, expr: cst.Attribute, live: int) -> Alts:
        owner = self.eval(expr.value, live)
        attr = expr.attr.value
        found: list[tuple[int, Item]] = []
        for mask, item in owner:
            if item is Carrier.REQUEST:
                if attr == "environ":
                    found.append((mask, Carrier.ENVIRON))
                elif attr == "response":
                    found.append((mask, Carrier.RESPONSE))
                elif attr in QUERY_ATTRS:
                    found.append((mask, Carrier.QUERY))
                elif attr in BODY_ATTRS:
                    self.facts.body_reads |= mask
                    found.append((mask, Carrier.BODY))
            elif isinstance(item, ModuleRef):
                found.extend(self.constant(expr, mask))
            elif isinstance(item, Derived) or item in (Carrier.BODY, Carrier.QUERY):
                found.append((mask, Derived(_kinds(((mask, item),)))))
        if not owner:
            found.extend(self.constant(expr, live))
        return _merge(found)

    def subscript(self, expr: cst.Subscript, live: int) -> Alts:
        owner = self.values(self.eval(expr.value, live))
        index = expr.slice[0].slice if len(expr.slice) == 1 else None
        index_expr = index.value if isinstance(index, cst.Index) else None
        found: list[tuple[int, Item]] = []
        for mask, item in owner:
            if item is Carrier.ENVIRON and index_expr is not None and self.is_version_key(index_expr):
                found.append((mask, Carrier.VERSION))
            elif item is Carrier.QUERY:
                name = self.literal_string(index_expr, mask) if index_expr is not None else None
                if name is not None:
                    self.facts.query_reads.append(QueryRead(mask, name, Spot.of(self.module, expr)))
                found.append((mask, Derived(frozenset({Carrier.QUERY}))))
            elif isinstance(item, (Objects, Derived)) or item is Carrier.BODY:
                found.append((mask, item if isinstance(item, (Objects, Derived)) else Derived(frozenset({item}))))
            elif isinstance(item, Schema) and isinstance(item.value, DictValue) and index_expr is not None:
                key = self.literal_string(index_expr, mask)
                entry = item.value.entries.get(key, UNKNOWN) if key is not None else UNKNOWN
                if isinstance(entry, DictValue):
                    found.append((mask, Schema(entry, f"{item.label}[{key!r}]", item.site)))
        return _merge(found)

    def is_version_key(self, expr: cst.BaseExpression) -> bool:
        return is_version_key(self.module, expr)

    def comparison(self, expr: cst.Comparison, live: int) -> Alts:
        left: cst.BaseExpression = expr.left
        result: Alts = ()
        for target in expr.comparisons:
            right = target.comparator
            operator = _OPERATORS.get(type(target.operator))
            if isinstance(target.operator, (cst.In, cst.NotIn)):
                container = self.eval(right, live)
                if any(item is Carrier.QUERY for _, item in container):
                    name = self.literal_string(left, live)
                    if name is not None:
                        self.facts.query_reads.append(QueryRead(live, name, Spot.of(self.module, expr)))
            elif operator is not None:
                if self.carries_version(left, live):
                    result = self.compare(expr, operator, right, live)
                elif self.carries_version(right, live):
                    result = self.compare(expr, _FLIPPED[operator], left, live)
            left = right
        return result

    def carries_version(self, expr: cst.BaseExpression, live: int) -> bool:
        return any(item is Carrier.VERSION for _, item in self.eval(expr, live))

    def compare(self, node: cst.Comparison, operator: str, other: cst.BaseExpression, live: int) -> Alts:
        version = self.version_of(other, live)
        if version is None:
            return ()
        space = self.space
        masks = {">=": space.mask(version, None), ">": space.above(version), "<": space.below(version),
                 "<=": space.mask(None, version), "==": space.mask(version, version)}
        return self.cond(masks[operator], node, live)

    def version_of(self, expr: cst.BaseExpression | None, live: int) -> Version | None:
        if expr is None:
            return None
        found = {version_of_value(item.value) for _, item in self.values(self.eval(expr, live))
                 if isinstance(item, Literal)}
        found.discard(None)
        return found.pop() if len(found) == 1 else None

    def binary(self, expr: cst.BinaryOperation, live: int) -> Alts:
        left, right = self.values(self.eval(expr.left, live)), self.values(self.eval(expr.right, live))
        found: list[tuple[int, Item]] = []
        for lmask, litem in left:
            for rmask, ritem in right:
                mask = lmask & rmask
                if mask and isinstance(litem, Literal) and isinstance(ritem, Literal):
                    value = string_operation(expr.operator, litem.value, ritem.value)
                    if not isinstance(value, Unknown):
                        found.append((mask, Literal(value)))
        kinds = _kinds(left) | _kinds(right)
        if kinds:
            found.append((live, Derived(kinds)))
        return _merge(found)

    def sequence(self, expr: cst.Tuple | cst.List | cst.Set, live: int) -> Alts:
        elements = [self.values(self.eval(e.value, live)) for e in expr.elements if isinstance(e, cst.Element)]
        if isinstance(expr, cst.Tuple) and len(elements) == len(expr.elements) and \
                all(len(e) == 1 and e[0][0] == live and isinstance(e[0][1], Literal) for e in elements):
            return _alts(live, Literal(ListValue([e[0][1].value for e in elements])))
        found: list[tuple[int, Item]] = []
        for element in elements:
            found.extend(alt for alt in element if isinstance(alt[1], (Objects, Derived, Schema)))
        if not isinstance(expr, cst.Tuple):
            origin = (self.module.name, id(expr))
            inner = frozenset().union(*(_origins(e) for e in elements)) if elements else frozenset()
            if inner:
                self.facts.contains.append((origin, inner))
            found = [alt for alt in found if not isinstance(alt[1], Objects)]
            found.append((live, Objects(frozenset({origin}))))
        return _merge(found)

    def dict_literal(self, expr: cst.Dict, live: int) -> Alts:
        origin = (self.module.name, id(expr))
        for element in expr.elements:
            value = self.eval(element.value, live)
            if isinstance(element, cst.DictElement):
                key = self.literal_string(element.key, live)
                if key is not None:
                    self.facts.writes.append(KeyWrite(origin, key, live, Spot.of(self.module, element)))
            inner = _origins(value)
            if inner:
                self.facts.contains.append((origin, inner))
        return _alts(live, Objects(frozenset({origin})))

    def comprehension(self, expr: cst.BaseComp, live: int) -> Alts:
        saved = dict(self.env)
        loop: cst.CompFor | None = expr.for_in
        while loop is not None:
            iterated = self.eval(loop.iter, live)
            elements = tuple(alt for alt in iterated if isinstance(alt[1], (Objects, Derived)))
            self.assign(loop.target, elements, None, live, True)
            loop = loop.inner_for_in
        origin = (self.module.name, id(expr))
        if isinstance(expr, cst.DictComp):
            key = self.literal_string(expr.key, live)
            if key is not None:
                self.facts.writes.append(KeyWrite(origin, key, live, Spot.of(self.module, expr)))
            value = self.eval(expr.value, live)
        else:
            value = self.eval(expr.elt, live)  # type: ignore[attr-defined]
        self.env = saved
        inner = _origins(value)
        if inner:
            self.facts.contains.append((origin, inner))
        kinds = _kinds(value)
        return _merge(((live, Objects(frozenset({origin}))),) + (_alts(live, Derived(kinds)) if kinds else ()))

    # -- calls ----------------------------------------------------------------------------------
    def call(self, node: cst.Call, live: int) -> Alts:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "matches":
            if self.carries_version(func.value, live):
                return self.matches(node, live)
        name = self.module.resolve(func) or ""
        short = name.rsplit(".", 1)[-1]
        if short == "extract_json":
            return self.extract_json(node, live)
        if short == "validate" and (name.endswith("jsonschema.validate") or name == "validate"):
            return self.validate(node, live)
        if name == "getattr" and len(node.args) >= 2:
            return self.getattr(node, live)
        receiver = self.eval(func.value, live) if isinstance(func, cst.Attribute) else ()
        if (isinstance(func, cst.Attribute) and func.attr.value == "get" and node.args
                and any(item is Carrier.ENVIRON for _, item in receiver)
                and self.is_version_key(node.args[0].value)):
            return _alts(live, Carrier.VERSION)
        if isinstance(func, cst.Attribute) and any(item is Carrier.QUERY for _, item in receiver):
            if func.attr.value in QUERY_READS and node.args:
                key = self.literal_string(node.args[0].value, live)
                if key is not None:
                    self.facts.query_reads.append(QueryRead(live, key, Spot.of(self.module, node)))
            return _alts(live, Derived(frozenset({Carrier.QUERY})))
        arguments = [(arg, self.eval(arg.value, live)) for arg in node.args]
        if isinstance(func, cst.Attribute) and _origins(receiver):
            return self.method_on_objects(func.attr.value, receiver, arguments, node, live)
        if short in MAPPING_CONSTRUCTORS and name in (short, f"collections.{short}"):
            return self.new_mapping(node, arguments, live)
        if "." in name and self.depth < MAX_DEPTH and self.worth_following(name, arguments):
            helper = function_named(self.interpreter.project, name)
            if helper is not None and helper.node is not self.function.node:
                followed = self.helper(helper, arguments, live)
                if followed is not None:
                    return followed
        found: list[tuple[int, Item]] = []
        kinds = frozenset().union(*(_kinds(value) for _, value in arguments)) | _kinds(receiver)
        if kinds:
            found.append((live, Derived(kinds)))
        if short in PASS_THROUGH:
            found.extend(alt for _, value in arguments for alt in value if isinstance(alt[1], Objects))
        return _merge(found)

    def matches(self, node: cst.Call, live: int) -> Alts:
        low = self.version_of(_argument(node, 0, "min_version"), live)
        high = self.version_of(_argument(node, 1, "max_version"), live)
        if low is None and high is None:
            return ()
        return self.cond(self.space.mask(low, high), node, live)

    def schema_alts(self, expr: cst.BaseExpression | None, live: int) -> list[tuple[int, Schema | None]]:
        if expr is None:
            return [(live, None)]
        values = self.values(self.eval(expr, live))
        found: list[tuple[int, Schema | None]] = [(m, i) for m, i in values if isinstance(i, Schema)]
        covered = 0
        for mask, _ in found:
            covered |= mask
        if live & ~covered:
            found.append((live & ~covered, None))  # versions whose schema is not known
        return found

    def extract_json(self, node: cst.Call, live: int) -> Alts:
        body = _argument(node, 0, "body")
        if body is not None and Carrier.BODY in _kinds(self.eval(body, live)):
            for mask, schema in self.schema_alts(_argument(node, 1, "schema"), live):
                self.facts.body_schemas.append(SchemaUse(mask, schema, Spot.of(self.module, node)))
        return _alts(live, Derived(frozenset({Carrier.BODY})))

    def validate(self, node: cst.Call, live: int) -> Alts:
        instance = _argument(node, 0, "instance")
        kinds = _kinds(self.eval(instance, live)) if instance is not None else frozenset()
        uses = self.facts.body_schemas if Carrier.BODY in kinds else (
            self.facts.query_schemas if Carrier.QUERY in kinds else None)
        if uses is not None:
            for mask, schema in self.schema_alts(_argument(node, 1, "schema"), live):
                uses.append(SchemaUse(mask, schema, Spot.of(self.module, node)))
        return ()

    def getattr(self, node: cst.Call, live: int) -> Alts:
        owner = self.module.resolve(node.args[0].value)
        module = self.interpreter.project.module(owner) if owner else None
        if module is None:
            return ()
        env = self.interpreter.evaluator.env(module)
        found: list[tuple[int, Item]] = []
        for mask, item in self.values(self.eval(node.args[1].value, live)):
            if isinstance(item, Literal) and isinstance(item.value, Const) and isinstance(item.value.value, str):
                value = env.get(item.value.value)
                if isinstance(value, DictValue):
                    assignments = module.assignments.get(item.value.value)
                    site = Spot.of(module, assignments[-1]) if assignments else None
                    found.append((mask, Schema(value, item.value.value, site)))
        return _merge(found)

    def method_on_objects(self, method: str, receiver: Alts, arguments: list[tuple[cst.Arg, Alts]],
                          node: cst.Call, live: int) -> Alts:
        if method == "setdefault" and arguments:
            key = self.literal_string(arguments[0][0].value, live)
            if key is not None:
                self.write(receiver, key, live, node)
        if method in CONTAINER_METHODS or method == "setdefault":
            for _, value in arguments:
                self.contain(receiver, value)
        if method in ("copy", "get", "setdefault", "pop", "values", "items"):
            return tuple(alt for alt in receiver if isinstance(alt[1], Objects))
        return ()

    def new_mapping(self, node: cst.Call, arguments: list[tuple[cst.Arg, Alts]], live: int) -> Alts:
        origin = (self.module.name, id(node))
        kinds: frozenset[Carrier] = frozenset()
        for arg, value in arguments:
            if arg.keyword is not None:
                self.facts.writes.append(KeyWrite(origin, arg.keyword.value, live, Spot.of(self.module, arg)))
            inner = _origins(value)
            if inner:
                self.facts.contains.append((origin, inner))
            kinds |= _kinds(value)
        found = _alts(live, Objects(frozenset({origin})))
        return found + _alts(live, Derived(kinds)) if kinds else found

    def worth_following(self, name: str, arguments: list[tuple[cst.Arg, Alts]]) -> bool:
        """A project function that receives what the analysis tracks, or a serializer."""
        if self.serializer(name):
            return True
        if any(_interesting(value) for _, value in arguments):
            return True
        constants = [alt for _, value in arguments for alt in value if isinstance(alt[1], Constant)]
        if not constants or self.interpreter.project.split_path(name) is None:
            return False
        return any(isinstance(item, Schema) for _, item in self.values(tuple(constants)))

    def serializer(self, name: str) -> bool:
        """A function of this module or of a handler module: followed for the dicts it returns."""
        owner = name.rsplit(".", 1)[0]
        return owner == self.module.name or owner in self.interpreter.handler_module_names

    def helper(self, helper: Function, arguments: list[tuple[cst.Arg, Alts]], live: int) -> Alts | None:
        """Follow a call into a project function when it receives something the analysis tracks."""
        bound: dict[str, Alts] = {}
        position = 0
        for arg, value in arguments:
            if arg.star:
                continue
            if arg.keyword is not None:
                bound[arg.keyword.value] = value
            elif position < len(helper.params):
                bound[helper.params[position]] = value
                position += 1
        bound = {name: self.values(value) for name, value in bound.items()}
        if not self.serializer(helper.qualname) and not any(_interesting(value) for value in bound.values()):
            return None
        summary = self.interpreter.analyze(helper, bound, live, self.depth + 1)
        self.facts.extend(summary.facts)
        return _within(summary.returns, live)


def _assigns(project: "Project", path: Path, name: str) -> bool:
    """Cheap text test: does the module at `path` assign `name` at the start of a line?"""
    import re

    if "." in name:
        return True
    try:
        text = project.source(path)
    except Exception:  # unreadable files are RVL900's business
        return False
    return re.search(rf"^{re.escape(name)}\s*(?::[^=\n]*)?=", text, re.M) is not None


def _argument(call: cst.Call, index: int, keyword: str) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    positional = [a for a in call.args if a.keyword is None and not a.star]
    return positional[index].value if index < len(positional) else None


# -- per route ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Definition:
    """One definition of a route's handler and the versions it serves."""

    function: Function
    mask: int
    facts: Facts = field(compare=False, repr=False)


@dataclass(frozen=True)
class Acceptance:
    """What a request schema accepts: names at any depth (body) or at the top (query)."""

    names: frozenset[str]
    patterns: tuple[str, ...]  # patternProperties keys (None when a key is not known)
    complete: bool  # every name and pattern is known
    closed: bool  # additionalProperties is False wherever properties are declared
    schema: Schema | None


@dataclass(frozen=True)
class Field:
    """A key of the response body and where it is written, at which versions."""

    name: str
    mask: int
    sites: tuple[tuple[int, Spot], ...]


@dataclass
class RouteContract:
    """What one route accepts and returns, version by version."""

    route: "Route"
    space: VersionSpace
    definitions: tuple[Definition, ...]

    @property
    def mask(self) -> int:
        """The versions the route is served at (by some definition of its handler)."""
        found = 0
        for definition in self.definitions:
            found |= definition.mask
        return found

    def body_schemas(self) -> list[tuple[int, Acceptance | None]]:
        """(versions, what the body schema accepts); None where no schema is known for a body that is read."""
        found: list[tuple[int, Acceptance | None]] = []
        for definition in self.definitions:
            facts = definition.facts
            covered = 0
            for use in facts.body_schemas:
                mask = use.mask & definition.mask
                found.append((mask, acceptance(use.schema, body=True) if use.schema else None))
                covered |= mask
            unread = definition.mask & ~facts.body_reads & ~covered
            if unread:
                found.append((unread, Acceptance(frozenset(), (), True, True, None)))  # no body at all
            unknown = definition.mask & facts.body_reads & ~covered
            if unknown:
                found.append((unknown, None))
        return found

    def query_schemas(self) -> list[tuple[int, Acceptance | None]]:
        """(versions, what the query schema accepts); None where the query string has no known schema."""
        found: list[tuple[int, Acceptance | None]] = []
        for definition in self.definitions:
            covered = 0
            for use in definition.facts.query_schemas:
                mask = use.mask & definition.mask
                found.append((mask, acceptance(use.schema, body=False) if use.schema else None))
                covered |= mask
            if definition.mask & ~covered:
                found.append((definition.mask & ~covered, None))
        return found

    def query_reads(self) -> list[QueryRead]:
        """Query parameters read, at which versions."""
        return [QueryRead(read.mask & d.mask, read.name, read.site) for d in self.definitions
                for read in d.facts.query_reads if read.mask & d.mask]

    def fields(self) -> dict[str, Field]:
        """Keys of the dicts that reach the response body, with the versions each is written at."""
        found: dict[str, Field] = {}
        for definition in self.definitions:
            facts = definition.facts
            contains: dict[tuple[str, int], set[tuple[str, int]]] = {}
            for origin, inner in facts.contains:
                contains.setdefault(origin, set()).update(inner)
            reach: dict[tuple[str, int], int] = {}  # origin -> versions at which it reaches a sink
            for mask, origins in facts.sinks:
                stack = [(o, mask & definition.mask) for o in origins]
                while stack:
                    origin, at = stack.pop()
                    if reach.get(origin, 0) | at == reach.get(origin, 0):
                        continue
                    reach[origin] = reach.get(origin, 0) | at
                    stack.extend((inner, at) for inner in contains.get(origin, ()))
            for write in facts.writes:
                at = write.mask & reach.get(write.origin, 0)
                if at:
                    old = found.get(write.key)
                    if old is None:
                        found[write.key] = Field(write.key, at, ((at, write.site),))
                    else:
                        found[write.key] = Field(write.key, old.mask | at, old.sites + ((at, write.site),))
        return found

    def response_mask(self) -> int:
        """The versions at which some dict reaches the response body."""
        found = 0
        for definition in self.definitions:
            for mask, _ in definition.facts.sinks:
                found |= mask & definition.mask
        return found

    def conds(self) -> list[Cond]:
        """Every version test met on the route's code path."""
        return [cond for definition in self.definitions for cond in definition.facts.conds]

    def changes(self) -> dict[Version, list[Spot]]:
        """The versions at which the route's behaviour changes, with the code that decides each.

        A version test's range starting (or ending) inside the route's
        versions, and each handler definition's first version after the
        route's first.
        """
        space, served = self.space, self.mask
        first = space.lowest(served)
        found: dict[Version, list[Spot]] = {}
        for definition in self.definitions:
            low = space.lowest(definition.mask)
            if low is not None and low != first:
                site = _version_handler_site(definition.function)
                found.setdefault(low, []).extend([site] if site is not None else [])
        for cond in self.conds():
            for low, high in space.runs(cond.mask & served):
                if low != first:
                    found.setdefault(low, []).extend([cond.site] if cond.site is not None else [])
                after = space.lowest(served & space.above(high))
                if after is not None:
                    found.setdefault(after, []).extend([cond.site] if cond.site is not None else [])
        return found


def _version_handler_site(function: Function) -> Spot | None:
    for decorator in function.decorators:
        if decorator.short == "version_handler":
            return Spot.of(function.owner, decorator.node)
    return None


def acceptance(schema: Schema, body: bool) -> Acceptance:
    """The names a schema accepts: every property at any depth for a body, the top level for a query."""
    names: set[str] = set()
    patterns: list[str] = []
    complete = closed = True
    stack: list[tuple[Any, int]] = [(schema.value, 0)]
    seen: set[int] = set()
    while stack:
        value, depth = stack.pop()
        if isinstance(value, ListValue):
            stack.extend((item, depth) for item in value.items)
            continue
        if not isinstance(value, DictValue) or id(value) in seen:
            if isinstance(value, Unknown) and depth:
                complete = False
            continue
        seen.add(id(value))
        entries = value.entries
        properties = entries.get("properties")
        pattern_properties = entries.get("patternProperties")
        declares = properties is not None or pattern_properties is not None
        additional = entries.get("additionalProperties")
        if declares and not (isinstance(additional, Const) and additional.value is False):
            closed = False
        for table, is_pattern in ((properties, False), (pattern_properties, True)):
            if table is None:
                continue
            if not isinstance(table, DictValue):
                complete = False
                continue
            for key, child in table.entries.items():
                if key.startswith("<") and key.endswith(">"):
                    complete = False
                elif is_pattern:
                    patterns.append(key)
                else:
                    names.add(key)
                if body:
                    stack.append((child, depth + 1))
        if not body and depth == 0:
            continue
        if isinstance(additional, DictValue):
            stack.append((additional, depth + 1))
        for key in ("items", "anyOf", "oneOf", "allOf"):
            if key in entries:
                stack.append((entries[key], depth + 1))
    return Acceptance(frozenset(names), tuple(patterns), complete, closed, schema)


def version_space(service: "ServiceVersions") -> VersionSpace:
    """The service's versions as a VersionSpace."""
    return VersionSpace(tuple(sorted(set(service.versions))))


@dataclass(frozen=True)
class Contracts:
    """Every route's contract, and the modules read to build them."""

    routes: dict["Route", RouteContract] = field(hash=False)
    paths: frozenset[Path]


def _build(project: "Project", only: "frozenset[Route] | None" = None) -> Contracts:
    from reviewlint.analysis.gates import GateFinder
    from reviewlint.service.routes import route_table
    from reviewlint.service.versions import service_versions

    table = route_table(project)
    service = service_versions(project)
    if table is None or service is None:
        return Contracts({}, frozenset())
    space = version_space(service)
    interpreter = Interpreter(project, space)
    finder = GateFinder(project)
    contracts: dict[Route, RouteContract] = {}
    for route in table.routes:
        if only is not None and route not in only:
            continue
        found = project.split_dotted(route.target)
        if found is None or "." in found[1]:
            continue
        definitions = []
        for function in found[0].functions_named(found[1]):
            low, high = finder.own_range(function)
            mask = space.mask(low, high)
            params = {function.params[0]: _alts(mask, Carrier.REQUEST)} if function.params else {}
            summary = interpreter.analyze(function, params, mask)
            definitions.append(Definition(function, mask, summary.facts))
        contracts[route] = RouteContract(route, space, tuple(definitions))
    return Contracts(contracts, frozenset(interpreter.paths))


def _contracts(project: "Project") -> Contracts:
    # A memo (not an analysis) so that every cached result built on the
    # contracts depends on the files they were read from.
    return project.memo("contracts", lambda: _build(project))


def route_contracts(project: "Project") -> dict["Route", RouteContract]:
    """Every route's contract, computed once per run."""
    return _contracts(project).routes


def contracts_of(project: "Project", routes: Iterable["Route"]) -> dict["Route", RouteContract]:
    """The contracts of some routes only, built on their own (not memoized): a query that caches
    its results per route reads only the modules those routes walk."""
    return _build(project, frozenset(routes)).routes


def contract_paths(project: "Project") -> frozenset[Path]:
    """The modules the contracts were read from: handlers, their helpers, the schema modules."""
    return _contracts(project).paths
