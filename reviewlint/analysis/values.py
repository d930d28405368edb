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
    return frozenset(found)


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


Contains = tuple[tuple[str, int], frozenset[tuple[str, int]]]
Sink = tuple[int, frozenset[tuple[str, int]]]


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
    unknown: int = 0  # versions at which this walk stopped short: the handler's analysis ran out of steps
    function: str = ""  # the function walked (`FunctionRef.key`)
    helpers: list["Facts"] = field(default_factory=list)

    def extend(self, other: "Facts") -> None:
        """Add what a helper did: a reference to its facts, at this point of each list."""
        for facts in (self.body_schemas, self.query_schemas, self.query_reads, self.writes, self.contains,
                      self.sinks, self.conds, self.gates):
            facts.append(other)
        self.helpers.append(other)

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
