"""What each route accepts and returns, version by version: the contract the API-reference family compares.

Every definition of a route's handler is walked by the interpreter
(contract.py) at the versions its `version_handler` serves; what the walks
find is read here per route: the body and query schemas in force, the query
parameters read, the response fields written, and where behaviour changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from reviewlint.analysis.contract import Interpreter
from reviewlint.analysis.values import Carrier, Cond, Facts, QueryRead, Schema, Spot, one_alt
from reviewlint.analysis.version_space import VersionSpace
from reviewlint.core.microversion import Version
from reviewlint.model.module import Function
from reviewlint.model.schemas import Const, DictValue, ListValue, Unknown

if TYPE_CHECKING:
    from reviewlint.model.project import Project
    from reviewlint.service.routes import Route
    from reviewlint.service.versions import ServiceVersions


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
    # Names the `required` list of every object declaring them names (required), or none does (optional);
    # a name in neither, or under anyOf/oneOf/not or an object combining them, is not known either way.
    required: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()


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

    def unknown(self) -> int:
        """The versions at which a definition's analysis ran out of steps (MAX_STEPS): what it does there is
        partly unknown, and the rules say nothing that depends on it."""
        found = 0
        for definition in self.definitions:
            found |= definition.mask & definition.facts.every_unknown()
        return found

    def body_schemas(self) -> list[tuple[int, Acceptance | None]]:
        """(versions, what the body schema accepts); None where no schema is known for a body that is read."""
        found: list[tuple[int, Acceptance | None]] = []
        for definition in self.definitions:
            facts = definition.facts
            covered = 0
            for use in facts.every_body_schema():
                mask = use.mask & definition.mask
                found.append((mask, acceptance(use.schema, body=True) if use.schema else None))
                covered |= mask
            reads, cut = facts.every_body_read(), definition.mask & facts.every_unknown()
            unread = definition.mask & ~reads & ~covered & ~cut
            if unread:
                found.append((unread, Acceptance(frozenset(), (), True, True, None)))  # no body at all
            unknown = definition.mask & reads & ~covered & ~cut
            if unknown:
                found.append((unknown, None))
            if cut:  # a helper not followed may read the body, against any schema
                found.append((cut, None))
        return found

    def query_schemas(self) -> list[tuple[int, Acceptance | None]]:
        """(versions, what the query schema accepts); None where the query string has no known schema."""
        found: list[tuple[int, Acceptance | None]] = []
        for definition in self.definitions:
            covered = 0
            for use in definition.facts.every_query_schema():
                mask = use.mask & definition.mask
                found.append((mask, acceptance(use.schema, body=False) if use.schema else None))
                covered |= mask
            cut = definition.mask & definition.facts.every_unknown()
            if definition.mask & ~covered & ~cut:
                found.append((definition.mask & ~covered & ~cut, None))
            if cut:  # a helper not followed may validate the query string, against any schema
                found.append((cut, None))
        return found

    def query_names(self) -> "tuple[set[str], set[str], int, int]":
        """(the query parameters the known schemas name or the code reads, the names their patterns stand for
        (`resourcesN`), the versions with no known schema, the versions whose schema is not fully known)."""
        unschemed = unknown = 0
        names: set[str] = {read.name for read in self.query_reads()}
        patterned: set[str] = set()
        for mask, accepts in self.query_schemas():
            if accepts is None:
                unschemed |= mask
                continue
            if not accepts.complete:
                unknown |= mask
            names |= accepts.names
            patterned |= set(pattern_names(accepts.patterns))
        return names, patterned, unschemed, unknown

    def query_reads(self) -> list[QueryRead]:
        """Query parameters read, at which versions."""
        return [QueryRead(read.mask & d.mask, read.name, read.site) for d in self.definitions
                for read in d.facts.every_query_read() if read.mask & d.mask]

    def fields(self) -> dict[str, Field]:
        """Keys of the dicts that reach the response body, with the versions each is written at."""
        found: dict[str, Field] = {}
        for definition in self.definitions:
            facts = definition.facts
            contains: dict[tuple[str, int], set[tuple[str, int]]] = {}
            for origin, inner in facts.every_contain():
                contains.setdefault(origin, set()).update(inner)
            reach: dict[tuple[str, int], int] = {}  # origin -> versions at which it reaches a sink
            for mask, origins in facts.every_sink():
                stack = [(o, mask & definition.mask) for o in origins]
                while stack:
                    origin, at = stack.pop()
                    if reach.get(origin, 0) | at == reach.get(origin, 0):
                        continue
                    reach[origin] = reach.get(origin, 0) | at
                    stack.extend((inner, at) for inner in contains.get(origin, ()))
            for write in facts.every_write():
                at = write.mask & reach.get(write.origin, 0)
                if at:
                    old = found.get(write.key)
                    if old is None:
                        found[write.key] = Field(write.key, at, ((at, write.site),))
                    else:
                        found[write.key] = Field(write.key, old.mask | at, old.sites + ((at, write.site),))
        return found

    def response_mask(self) -> int:
        """The versions at which some dict reaches the response body (or may: where the analysis ran out)."""
        found = self.unknown()
        for definition in self.definitions:
            for mask, _ in definition.facts.every_sink():
                found |= mask & definition.mask
        return found

    def list_body(self) -> tuple[int, tuple[tuple[int, Spot], ...]]:
        """The versions at which the response body is a list (built by a literal or a comprehension, here or in a
        serializer), and where each such list is built: such a body has no fields at the top, one response
        parameter names it."""
        found = 0
        sites: list[tuple[int, Spot]] = []
        for definition in self.definitions:
            facts = definition.facts
            made = dict(facts.every_list())
            for mask, origins in facts.every_top():
                at = mask & definition.mask
                for origin in sorted(origins & made.keys()):
                    if at:
                        found |= at
                        sites.append((at, made[origin]))
        return found, tuple(sites)

    def conds(self) -> list[Cond]:
        """Every version test met on the route's code path."""
        return [cond for definition in self.definitions for cond in definition.facts.every_cond()]

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
    stack: list[tuple[Any, int, bool]] = [(schema.value, 0, False)]
    seen: set[int] = set()
    needs: dict[str, set[bool | None]] = {}  # name -> whether each object declaring it requires it
    while stack:
        value, depth, alternative = stack.pop()
        if isinstance(value, ListValue):
            if id(value) not in seen:  # a list reached twice (or a cycle) is walked once, as a dict is
                seen.add(id(value))
                stack.extend((item, depth, alternative) for item in value.items)
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
        required = _required(entries, alternative)
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
                    draft3 = isinstance(child, DictValue) and isinstance(child.entries.get("required"), Const)
                    needs.setdefault(key, set()).add(None if required is None or draft3 else key in required)
                if body:
                    stack.append((child, depth + 1, alternative))
        if not body and depth == 0:
            continue
        if isinstance(additional, DictValue):
            stack.append((additional, depth + 1, alternative))
        for key in ("items", "anyOf", "oneOf", "allOf"):
            if key in entries:
                stack.append((entries[key], depth + 1, alternative or key != "items"))
    return Acceptance(frozenset(names), tuple(patterns), complete, closed, schema,
                      frozenset(name for name, seen_as in needs.items() if seen_as == {True}),
                      frozenset(name for name, seen_as in needs.items() if seen_as == {False}))


_COMBINERS = ("anyOf", "oneOf", "allOf", "not", "dependencies", "dependentRequired", "if", "then", "else")


def _required(entries: dict[str, Any], alternative: bool) -> frozenset[str] | None:
    """The names an object's `required` lists; None when that is not known (a combinator may add some)."""
    if alternative or any(key in entries for key in _COMBINERS):
        return None
    listed = entries.get("required")
    if listed is None:
        return frozenset()
    names = [item.value for item in listed.items if isinstance(item, Const)] if isinstance(listed, ListValue) else []
    if not isinstance(listed, ListValue) or len(names) != len(listed.items) or not all(
            isinstance(name, str) for name in names):
        return None
    return frozenset(str(name) for name in names)


MAX_PATTERN = 500  # longer patternProperties keys are not tried on names


def pattern_matches(pattern: str, text: str) -> bool:
    """Whether a schema's pattern (a `patternProperties` key) matches `text`; False for what cannot be tried."""
    if len(pattern) > MAX_PATTERN:
        return False
    try:
        return re.search(pattern, text) is not None
    except (re.error, RecursionError):
        return False


def pattern_names(patterns: Iterable[str]) -> Iterator[str]:
    """Names a query pattern stands for: `^resources([1-9][0-9]*)?$` gives `resources` and `resourcesN`."""
    for pattern in patterns:
        prefix = re.match(r"\^?([A-Za-z_][A-Za-z0-9_]*)", pattern)
        if prefix is None:
            continue
        name = prefix.group(1)
        if pattern_matches(pattern, name):
            yield name
        if pattern_matches(pattern, name + "1"):
            yield name + "N"


def query_accepting(accepts: Acceptance, name: str) -> tuple[str, ...] | None:
    """The patterns by which a query schema accepts a parameter (() when by name), `resourcesN` standing for
    numbered groups; None when it does not accept it."""
    if name in accepts.names:
        return ()
    numbered = name[:-1] + "1" if name.endswith("N") else None
    matching = tuple(p for p in accepts.patterns
                     if pattern_matches(p, name) or (numbered and pattern_matches(p, numbered)))
    return matching if matching else None


def version_space(service: "ServiceVersions") -> VersionSpace:
    """The service's versions as a VersionSpace."""
    return VersionSpace(tuple(sorted(set(service.versions))))


@dataclass(frozen=True)
class Contracts:
    """Every route's contract, and the modules read to build them."""

    routes: dict["Route", RouteContract] = field(hash=False)
    paths: frozenset[Path]
    over_budget: tuple[Function, ...] = ()  # handler definitions whose analysis ran out of steps (MAX_STEPS)


def interpreter_for(project: "Project", space: VersionSpace) -> Interpreter:
    """The run's one interpreter: every query (the contracts, RVL406/RVL407's routes, RVL203's versions)
    shares its per-function summaries, so no handler is walked twice at the same versions."""
    found: dict[VersionSpace, Interpreter] = project.analysis(_interpreters)
    if space not in found:
        found[space] = Interpreter(project, space)
    return found[space]


def _interpreters(project: "Project") -> dict[VersionSpace, Interpreter]:
    return {}


def project_space(project: "Project") -> VersionSpace:
    """The declared versions as a VersionSpace; without any, one version stands for them all (the
    gates are still seen: RVL400 asks whether there are any)."""
    from reviewlint.service.versions import service_versions

    service = service_versions(project)
    return version_space(service) if service is not None else VersionSpace(((1, 0),))


def served_mask(project: "Project", function: Function, space: VersionSpace) -> int:
    """The versions one handler definition serves: those its `version_handler` gives it."""
    from reviewlint.analysis.gates import GateFinder

    return space.mask(*project.analysis(GateFinder).own_range(function))


def walk_definition(project: "Project", function: Function, space: VersionSpace,
                    served: int) -> tuple[Facts, bool]:
    """(what one handler definition does at the versions in `served`, its first parameter the request;
    whether its walk ran out of steps)."""
    params = {function.params[0]: one_alt(served, Carrier.REQUEST)} if function.params else {}
    summary, cut = interpreter_for(project, space).handler(function, params, served)
    return summary.facts, cut


def definition_facts(project: "Project", function: Function, space: VersionSpace) -> Facts:
    """What one handler definition does at the versions it serves (at all versions when it serves none
    declared, so that its gates are still seen)."""
    return walk_definition(project, function, space, served_mask(project, function, space) or space.all)[0]


def unreached_facts(project: "Project", function: Function, space: VersionSpace) -> Facts:
    """What a function no handler reaches does, its parameters unknown, at every version."""
    summary, _ = interpreter_for(project, space).handler(function, {}, space.all)
    return summary.facts


def _build(project: "Project", only: "frozenset[Route] | None" = None) -> Contracts:
    from reviewlint.service.routes import route_table
    from reviewlint.service.versions import service_versions

    table = route_table(project)
    service = service_versions(project)
    if table is None or service is None:
        return Contracts({}, frozenset(), ())
    space = version_space(service)
    interpreter = interpreter_for(project, space)
    contracts: dict[Route, RouteContract] = {}
    over: list[Function] = []
    for route in table.routes:
        if only is not None and route not in only:
            continue
        found = project.split_dotted(route.target)
        if found is None or "." in found[1]:
            continue
        definitions = []
        for function in found[0].functions_named(found[1]):
            mask = served_mask(project, function, space)
            facts, cut = walk_definition(project, function, space, mask)
            definitions.append(Definition(function, mask, facts))
            if cut and function not in over:
                over.append(function)
        contracts[route] = RouteContract(route, space, tuple(definitions))
    return Contracts(contracts, frozenset(interpreter.paths), tuple(over))


def _contracts(project: "Project") -> Contracts:
    # A memo (not an analysis) so that every cached result built on the
    # contracts depends on the files they were read from.
    return project.memo("contracts", lambda: _build(project))


def route_contracts(project: "Project") -> dict["Route", RouteContract]:
    """Every route's contract, computed once per run."""
    return _contracts(project).routes


def over_budget(project: "Project") -> tuple[Function, ...]:
    """The handler definitions whose analysis ran out of steps: what they do past that is unknown."""
    return _contracts(project).over_budget


def contracts_of(project: "Project", routes: Iterable["Route"]) -> dict["Route", RouteContract]:
    """The contracts of some routes only, built on their own (not memoized): a query that caches
    its results per route reads only the modules those routes walk."""
    return _build(project, frozenset(routes)).routes


def contract_paths(project: "Project") -> frozenset[Path]:
    """The modules the contracts were read from: handlers, their helpers, the schema modules."""
    return _contracts(project).paths
