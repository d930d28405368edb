"""The route contract's abstract values, each with the versions at which it holds, and what one walk finds.

A value is a tuple of (version mask, item) alternatives: the request and what
is read from it (`Carrier`), a version test's outcome (`Cond`), a schema, a
literal, dicts built on the way to the response (`Objects`), values derived
from the request (`Derived`), module-level names resolved lazily (`Constant`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import libcst as cst

from reviewlint.model.module import ModuleInfo

MAX_ALTERNATIVES = 32


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
class GateSeen:
    """A version test as a gate: its form and the versions it names (None: open), as written."""

    site: Spot
    form: str  # "matches", "comparison"
    minimum: Any  # Version | None
    maximum: Any
    exclusive_min: bool = False
    exclusive_max: bool = False


@dataclass(frozen=True)
class Schema:
    """A schema constant, with its name and where it is assigned (for messages)."""

    value: Any  # a schemas.Value
    label: str
    site: Spot | None = field(default=None, compare=False)
    # The expression that named it (`schema.POST_X` in a handler module): what RVL203 evaluates.
    written: Spot | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Decode:
    """The body decoded as JSON where it is made (`json.loads(req.body)`, `req.json`, `extract_json` without a
    schema): a value that keeps its decode while it is passed by name, so a validation anywhere marks it."""

    site: Spot
    extract: bool = False  # an `extract_json` without a schema (RVL202's)


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


Item = Any  # Carrier | Cond | Schema | Literal | Objects | Derived | Decode | ModuleRef | Constant
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


def one_alt(mask: int, item: Item) -> Alts:
    return ((mask, item),) if mask else ()


def merge_alts(alternatives: Iterable[tuple[int, Item]]) -> Alts:
    """Alternatives with equal values joined, at most MAX_ALTERNATIVES of them."""
    joined: dict[Item, int] = {}
    for mask, item in alternatives:
        if mask:
            joined[item] = joined.get(item, 0) | mask
    merged = tuple((mask, item) for item, mask in joined.items())
    return merged[:MAX_ALTERNATIVES]


def alts_within(alts: Alts, live: int) -> Alts:
    return tuple((mask & live, item) for mask, item in alts if mask & live)


def origins_of(alts: Alts) -> frozenset[tuple[str, int]]:
    found: set[tuple[str, int]] = set()
    for _, item in alts:
        if isinstance(item, Objects):
            found |= item.origins
    return frozenset(found)


def kinds_of(alts: Alts) -> frozenset[Carrier]:
    found: set[Carrier] = set()
    for _, item in alts:
        if isinstance(item, Derived):
            found |= item.kinds
        elif item in (Carrier.BODY, Carrier.QUERY):
            found.add(item)
        elif isinstance(item, Decode):
            found.add(Carrier.BODY)
    return frozenset(found)


def from_request(alts: Alts) -> bool:
    """Whether a value is the request or anything computed from it (what a helper may read, check or
    validate on the handler's behalf)."""
    return any(isinstance(item, (Carrier, Decode)) or (isinstance(item, Derived) and item.kinds)
               for _, item in alts)


def is_interesting(alts: Alts) -> bool:
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
    # Whether the write runs whenever its dict is built (a literal's own keys; an assignment on every path of
    # the function that built the dict, after it, before it left the function): the field is always there.
    definite: bool = False
    # Versions at which a path of the function that built the dict skips this write (the other branch of the
    # `if` whose test is `guard`, which falls through) and still lets the dict out (a later return or body).
    skip: int = 0
    guard: Spot | None = field(default=None, compare=False)


Contains = tuple[tuple[str, int], frozenset[tuple[str, int]]]
Sink = tuple[int, frozenset[tuple[str, int]]]
ListMade = tuple[tuple[str, int], "Spot"]  # a list built by a literal or a comprehension, and where


# Facts' lists of what a walk found (each may also hold references to helpers' Facts) that its caller sees,
# whatever the walk returns: all but the query schemas (see query_schemas_alone) and what the walk found of
# the dicts and lists it built (writes, containment, lists), which matter only where they reach the response.
_FOUND = ("body_schemas", "query_reads", "sinks", "conds", "gates", "tops", "decodes", "validated", "schema_uses")
_OWN_OBJECTS = ("writes", "contains", "lists")


@dataclass(eq=False)
class Facts:
    """What one function, with the helpers it calls, does at which versions.

    Each list holds what the function itself found, in the order it found
    it, and at each call of a helper that helper's Facts: its summary,
    computed once and referenced by every call, never copied (a chain of
    helpers each calling the next K times is K facts a level, not K**depth).
    The `every_*` methods read the whole: each helper's facts once, where
    they were first met, which is all the rules use of them.
    """

    body_schemas: list["SchemaUse | Facts"] = field(default_factory=list)
    query_schemas: list["SchemaUse | Facts"] = field(default_factory=list)
    query_reads: list["QueryRead | Facts"] = field(default_factory=list)
    body_reads: int = 0  # this function's own; every_body_read() adds its helpers'
    writes: list["KeyWrite | Facts"] = field(default_factory=list)
    contains: list["Contains | Facts"] = field(default_factory=list)
    sinks: list["Sink | Facts"] = field(default_factory=list)
    conds: list["Cond | Facts"] = field(default_factory=list)
    gates: list["GateSeen | Facts"] = field(default_factory=list)
    # What the response body's top value is: (versions, the objects it is there), one per alternative at each
    # sink; and which objects are lists. Read by route_contract.RouteContract.list_body.
    tops: list["Sink | Facts"] = field(default_factory=list)
    lists: list["ListMade | Facts"] = field(default_factory=list)
    unknown: int = 0  # versions at which this walk stopped short: the handler's analysis ran out of steps
    function: str = ""  # the function walked (`FunctionRef.key`)
    helpers: list["Facts"] = field(default_factory=list)
    # What the handler does with its request (RVL1xx, RVL2xx, RVL5xx), in the order the walk met it: body reads
    # and policy checks by their rank in this function (`_Frame.clock`; a decorator's check ranks 0), every
    # helper followed with the rank and the node of its call, the JSON decodes, the decodes a validation
    # reached (by their Spot key), the expressions used as request-body schemas.
    reads: list[tuple[int, Spot]] = field(default_factory=list)
    checks: list[tuple[int, Spot]] = field(default_factory=list)
    calls: list[tuple[int, Spot, "Facts"]] = field(default_factory=list)
    decodes: list["Decode | Facts"] = field(default_factory=list)
    validated: list["tuple[str, int] | Facts"] = field(default_factory=list)
    schema_uses: list["Spot | Facts"] = field(default_factory=list)
    decodes_json: bool = False
    unresolved: bool = False  # it passed the request (or what came of it) to a call that cannot be resolved
    # Helpers followed for the request alone, as cached data: (rank, the call, a flow.HelperRecord).
    records: list[tuple[int, Spot, Any]] = field(default_factory=list)

    def extend(self, other: "Facts", request_only: bool = False) -> None:
        """Add what a helper did: a reference to its facts, at this point of each list (of the request's
        lists alone for a helper followed only because it receives the request, see `CallSteps.follow`)."""
        lists: tuple[list[Any], ...] = (self.decodes, self.validated, self.schema_uses)
        if not request_only:
            lists += (self.body_schemas, self.query_schemas, self.query_reads, self.writes, self.contains,
                      self.sinks, self.conds, self.gates, self.tops, self.lists)
            self.helpers.append(other)
        for facts in lists:
            facts.append(other)

    def take_request_facts(self, other: "Facts") -> None:
        """Add what `other` (a nested function's walk) did with the request, as this function's own."""
        for name in ("reads", "checks", "calls", "decodes", "validated", "schema_uses"):
            getattr(self, name).extend(getattr(other, name))
        self.decodes_json |= other.decodes_json
        self.unresolved |= other.unresolved

    def _every(self, name: str) -> list[Any]:
        """The list `name` of this function and of every helper it reaches, each helper's once, in order."""
        found: list[Any] = []
        seen = {id(self)}
        stack = [iter(getattr(self, name))]
        while stack:
            for item in stack[-1]:
                if isinstance(item, Facts):
                    if id(item) not in seen:
                        seen.add(id(item))
                        stack.append(iter(getattr(item, name)))
                        break
                else:
                    found.append(item)
            else:
                stack.pop()
        return found

    def _reached(self) -> list["Facts"]:
        """This function's facts and every helper's, each once."""
        found, seen = [self], {id(self)}
        for facts in found:
            for helper in facts.helpers:
                if id(helper) not in seen:
                    seen.add(id(helper))
                    found.append(helper)
        return found

    def every_body_schema(self) -> list[SchemaUse]:
        """Body schemas in force, here and in every helper."""
        return self._every("body_schemas")

    def every_query_schema(self) -> list[SchemaUse]:
        """Query-string schemas in force, here and in every helper."""
        return self._every("query_schemas")

    def every_query_read(self) -> list[QueryRead]:
        """Query parameters read, here and in every helper."""
        return self._every("query_reads")

    def every_write(self) -> list[KeyWrite]:
        """Keys written, here and in every helper."""
        return self._every("writes")

    def every_contain(self) -> list[Contains]:
        """Which dicts hold which, here and in every helper."""
        return self._every("contains")

    def every_sink(self) -> list[Sink]:
        """The dicts that reach the response body, here and in every helper."""
        return self._every("sinks")

    def every_top(self) -> list[Sink]:
        """The objects that are the response body's top value, at which versions, here and in every helper."""
        return self._every("tops")

    def every_list(self) -> list[ListMade]:
        """The lists built (by a literal or a comprehension) and where, here and in every helper."""
        return self._every("lists")

    def every_cond(self) -> list[Cond]:
        """The version tests met, here and in every helper."""
        return self._every("conds")

    def every_gate(self) -> list["GateSeen"]:
        """The gates met (a version test with the versions it names), here and in every helper."""
        return self._every("gates")

    def every_body_read(self) -> int:
        """The versions at which the body is read, here or in a helper."""
        found = 0
        for facts in self._reached():
            found |= facts.body_reads
        return found

    def every_function(self) -> frozenset[str]:
        """The functions walked (`FunctionRef.key`): this one and every helper."""
        return frozenset(facts.function for facts in self._reached() if facts.function)

    def every_decode(self) -> list[Decode]:
        """The JSON decodes of the body, here and in every helper."""
        return self._every("decodes")

    def every_validated(self) -> set[tuple[str, int]]:
        """The decodes (by Spot key) a validation reached, here or in a helper."""
        return set(self._every("validated"))

    def every_schema_use(self) -> list[Spot]:
        """The expressions used as request-body schemas, here and in every helper."""
        return self._every("schema_uses")

    def _called(self) -> list["Facts"]:
        """This function's facts and those of every helper it reaches (on the request's behalf or not), each once."""
        found, seen = [self], {id(self)}
        for facts in found:
            for helper in (*(called for _, _, called in facts.calls), *facts.helpers):
                if id(helper) not in seen:
                    seen.add(id(helper))
                    found.append(helper)
        return found

    def every_record(self) -> list[Any]:
        """The cached records (flow.HelperRecord) of the helpers followed for the request alone, here or below."""
        return [record for facts in self._called() for _, _, record in facts.records]

    def every_decodes_json(self) -> bool:
        """Whether the body is decoded as JSON, here or in a helper."""
        return any(facts.decodes_json for facts in self._called()) or any(
            record.flow.decodes_json for record in self.every_record())

    def every_unresolved(self) -> bool:
        """Whether the request went to a call that cannot be resolved, here or in a helper."""
        return any(facts.unresolved for facts in self._called()) or any(
            record.flow.unknown for record in self.every_record())

    def ranked(self, kind: str) -> list[tuple[tuple[int, ...], Spot]]:
        """Every body read (`kind` "reads") or policy check ("checks") as this function sees it: its own, and
        each call of a helper that does one, at the call, ranked by where it comes (a helper's insides too)."""
        firsts: dict[int, tuple[int, ...] | None] = {}

        def first(facts: "Facts") -> tuple[int, ...] | None:
            if id(facts) not in firsts:
                firsts[id(facts)] = None  # a cycle adds nothing
                keys: list[tuple[int, ...]] = [(rank,) for rank, _ in getattr(facts, kind)]
                for rank, _, helper in facts.calls:
                    inner = first(helper)
                    if inner is not None:
                        keys.append((rank, *inner))
                keys.extend((rank, *inner) for rank, _, inner in recorded(facts))
                firsts[id(facts)] = min(keys) if keys else None
            return firsts[id(facts)]

        def recorded(facts: "Facts") -> list[tuple[int, Spot, tuple[int, ...]]]:
            found = []
            for rank, spot, record in facts.records:
                inner = record.flow.first_body_read() if kind == "reads" else record.flow.first_policy_check()
                if inner is not None:
                    found.append((rank, spot, inner[0]))
            return found

        found: list[tuple[tuple[int, ...], Spot]] = [((rank,), spot) for rank, spot in getattr(self, kind)]
        for rank, spot, helper in self.calls:
            inner = first(helper)
            if inner is not None:
                found.append(((rank, *inner), spot))
        found.extend(((rank, *inner), spot) for rank, spot, inner in recorded(self))
        return found

    def query_schemas_alone(self) -> list[SchemaUse] | None:
        """The query schemas applied, when they are all this walk and its helpers found that a caller can
        see (the walk of a call that `call_records` can keep); None when it found anything else.

        The dicts a walk built are its caller's only through what it returns or puts where the caller
        looks: a walk whose values are plain data (no dict among them: `call_records.encode_alts`) and that
        sends nothing to the response leaves the writes into its own dicts (`{'exc': exc}` for a message)
        to nobody."""
        uses: list[SchemaUse] = []
        for facts in self._called():
            if (facts.body_reads or facts.unknown or facts.decodes_json or facts.unresolved or facts.reads
                    or facts.checks or facts.calls or facts.records):
                return None
            for name in _FOUND:
                if any(not isinstance(item, Facts) for item in getattr(facts, name)):
                    return None
            uses.extend(item for item in facts.query_schemas if not isinstance(item, Facts))
        return uses

    def every_unknown(self) -> int:
        """The versions at which something was left unknown, here or in a helper."""
        found = 0
        for facts in self._reached():
            found |= facts.unknown
        return found


@dataclass(frozen=True)
class Summary:
    """A function's facts and return values for one call signature."""

    facts: Facts
    returns: Alts
    paths: frozenset[Path] = frozenset()  # the modules read to compute it


class Tracker:
    """Which statements of one function run on every path, and what follows for KeyWrite.definite and skip.

    The frame passes it each statement with its `definite` flag (false under a condition the walk cannot
    decide, in a loop body or an except handler), each `if` when its branches are walked, each dict it builds
    and each value leaving the function. A statement in a try body whose handlers may let a path through is
    not definite either (what the body writes may be missing when it raises).
    """

    def __init__(self, module: ModuleInfo, facts: Facts, modes: frozenset[str] = frozenset()) -> None:
        self.module = module
        self.facts = facts
        # Parameters defaulting to None or False that the caller passed something for: taken as set (an `if`
        # on one tells callers apart, `if resource_provider:`; its other branch is no path of this call).
        self.modes = modes
        self.here = False  # the statement being run runs on every path that gets this far
        self.soft: set[int] = set()  # statements inside a try body (or else) whose handlers may fall through
        self.leaks = 0  # versions at which a value has left the function where not every path runs
        self.made: dict[tuple[str, int], int] = {}  # dicts built where `here`: their `leaks` then
        self.starts: dict[int, int] = {}  # `if` statement -> len(facts.writes) when its body starts
        self.pending: list[tuple[int, tuple[str, int], int, Spot]] = []  # skipped writes awaiting an exit

    @staticmethod
    def start(module: ModuleInfo, function: Any, env: dict[str, Alts]) -> "tuple[Tracker, Facts]":
        """A tracker for `function` (a model.module.Function) called with `env`, and the Facts it is about."""
        facts = Facts()
        parameters = function.node.params
        modes = frozenset(param.name.value for param in (*parameters.params, *parameters.kwonly_params)
                          if isinstance(param.default, cst.Name) and param.default.value in ("None", "False")
                          and param.name.value in env
                          and not (env[param.name.value] and all(isinstance(item, Literal)
                                                                 for _, item in env[param.name.value])))
        return Tracker(module, facts, modes), facts

    def at(self, statement: cst.CSTNode, definite: bool) -> cst.CSTNode:
        """`statement` is about to run with `definite`."""
        soft = id(statement) in self.soft
        self.here = definite and not soft
        if isinstance(statement, cst.If):
            self.starts[id(statement)] = len(self.facts.writes)
        if not soft and isinstance(statement, (cst.Try, cst.TryStar)) and not all(
                _exits(handler.body) for handler in statement.handlers):
            for suite in (statement.body, statement.orelse):
                if suite is not None:
                    self.soft.update(id(node) for node in _statements(suite))
        return statement

    def orelse(self, node: cst.If) -> int:
        """The `else`/`elif` of `node` is about to run: where its writes start."""
        if isinstance(node.orelse, cst.If):
            self.starts[id(node.orelse)] = len(self.facts.writes)
        return len(self.facts.writes)

    def built(self, origin: tuple[str, int]) -> tuple[str, int]:
        """A dict built here."""
        if self.here:
            self.made.setdefault(origin, self.leaks)
        return origin

    def write(self, origin: tuple[str, int], key: str, mask: int, node: cst.CSTNode, definite: bool) -> KeyWrite:
        """An assignment of `key` into a dict, at a statement that runs on every path when `definite`."""
        sure = definite and self.here and origin in self.made and not mask & self.leaks & ~self.made[origin]
        return KeyWrite(origin, key, mask, Spot.of(self.module, node), sure)

    def branches(self, node: cst.If, definite: bool, both: int, middle: int, after: int, other: int) -> int:
        """The `if` at `node` ran: at `both` its test went either way, its body fell through at `after`, the
        rest (from write `middle` on) at `other`. What each branch writes the other may skip; the versions
        running after it."""
        first = self.starts.get(id(node))
        if definite and both and first is not None and id(node) not in self.soft:
            end = len(self.facts.writes)
            if _may_be(node.test, False, self.modes):
                self._skippable((first, middle), (middle, end), both & other, node)
            if _may_be(node.test, True, self.modes):
                self._skippable((middle, end), (first, middle), both & after, node)
        return after | other

    def _skippable(self, branch: tuple[int, int], other: tuple[int, int], mask: int, node: cst.If) -> None:
        """The writes `branch` (a range of facts.writes) into dicts built before the `if`, which its other
        branch skips at `mask` (falling through there and writing none of their keys): pending an exit."""
        if not mask:
            return
        written = set()
        for item in self.facts.writes[other[0]:other[1]]:
            for found in item.every_write() if isinstance(item, Facts) else [item]:
                written.add((found.origin, found.key))
        for index in range(*branch):
            write = self.facts.writes[index]
            if isinstance(write, KeyWrite) and write.origin in self.made and write.mask & mask and \
                    (write.origin, write.key) not in written:
                self.pending.append((index, write.origin, write.mask & mask, Spot.of(self.module, node.test)))

    def exit(self, value: Alts, live: int) -> Alts:
        """`value` leaves the function at `live` (returned, or made the response body). A dict built before
        may have left without what is written after; a pending skipped write of a dict leaving by a
        statement every path runs is confirmed (what skipped it falls through to here)."""
        self.leaks |= live
        if self.here and self.pending:
            leaving = origins_of(value)
            for index, origin, mask, guard in self.pending:
                write = self.facts.writes[index]
                if origin in leaving and mask & live and isinstance(write, KeyWrite):
                    self.facts.writes[index] = KeyWrite(write.origin, write.key, write.mask, write.site,
                                                        write.definite, write.skip | (mask & live), guard)
        return value


def _may_be(test: cst.BaseExpression, want: bool, modes: frozenset[str]) -> bool:
    """Whether `test` may come out `want` with each name of `modes` set (not None, true)."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _may_be(test.expression, not want, modes)
    if isinstance(test, cst.BooleanOperation):
        either = _may_be(test.left, want, modes), _may_be(test.right, want, modes)
        return all(either) if isinstance(test.operator, cst.And) == want else any(either)
    if isinstance(test, cst.Name) and test.value in modes:
        return want
    if isinstance(test, cst.Comparison) and isinstance(test.left, cst.Name) and test.left.value in modes and \
            len(test.comparisons) == 1 and isinstance(test.comparisons[0].comparator, cst.Name) and \
            test.comparisons[0].comparator.value == "None":
        operator = test.comparisons[0].operator
        if isinstance(operator, (cst.Is, cst.IsNot)):
            return want == isinstance(operator, cst.IsNot)
    return True


def _exits(body: cst.BaseSuite) -> bool:
    """Whether a suite ends in a `raise` or `return` (an except handler that lets no path through)."""
    statements = body.body if isinstance(body, cst.IndentedBlock) else [body]
    last = statements[-1] if statements else None
    return isinstance(last, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) and bool(last.body) and \
        isinstance(last.body[-1], (cst.Raise, cst.Return))


def _statements(node: cst.CSTNode) -> Iterable[cst.CSTNode]:
    """Every statement within `node` (not inside nested functions or classes)."""
    stack = list(node.children)
    while stack:
        child = stack.pop()
        if isinstance(child, (cst.FunctionDef, cst.ClassDef)):
            continue
        if isinstance(child, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            yield child
        if not isinstance(child, cst.SimpleStatementLine):
            stack.extend(child.children)
