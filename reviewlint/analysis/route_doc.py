"""One route's reference sections read against its contract, as the RVL6xx rules (rules/apiref.py) compare them.

What versions each section, part and listed parameter of the reference
(read by reviewlint.service.reference) documents, where the route contract
(route_contract.py) has each request name, and how that evidence reads in a
message. Plain data and questions over it: nothing here decides a finding.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from reviewlint.analysis.route_contract import query_accepting

if TYPE_CHECKING:
    from reviewlint.service.reference_data import (ListedParameter, ParameterEntry, ParameterList, Part, Reference,
                                                   RouteSection)
    from reviewlint.analysis.route_contract import Acceptance, RouteContract
    from reviewlint.analysis.values import QueryRead, Spot
    from reviewlint.model.project import Project
    from reviewlint.service.routes import Route
    from reviewlint.core.microversion import Version


_PLACEHOLDER_KEY = re.compile(r"[{}]")


@dataclass(frozen=True)
class Listing:
    """One documented parameter of a route: where it is listed and for which versions."""

    section: "RouteSection"
    part: "Part"
    part_mask: int
    plist: "ParameterList"
    item: "ListedParameter"
    entry: "ParameterEntry"
    mask: int  # part_mask narrowed by the entry's min_version/max_version


@dataclass(frozen=True)
class Presence:
    """Where the code has a name: accepted (or set) at `mask`, unknown at `unknown`."""

    mask: int
    unknown: int
    # (versions, what gives it there: an Acceptance, or ("set"/"read", its site)), for messages only:
    # positions are computed when a finding is made, not before.
    evidence: tuple[tuple[int, object], ...]


class RouteDoc:
    """One route: its contract from the code and its sections in the reference."""

    def __init__(self, project: "Project", ref: "Reference", contract: "RouteContract",
                 sections: list["RouteSection"]) -> None:
        self.project = project
        self.ref = ref
        self.contract = contract
        self.space = contract.space
        self.served = contract.mask
        self.sections = sorted(sections, key=lambda s: (str(s.path), s.line))
        self.label = contract.route.label
        self.section_masks: list[tuple[RouteSection, int]] = self._masks(  # type: ignore[assignment]
            [(s, s.span) for s in self.sections], self.served)
        self.changes = contract.changes()

    # -- ranges: the versions each part of the reference documents --------------------------------
    def span_mask(self, span: object) -> int:
        """The versions of a heading's range."""
        from reviewlint.service.reference_data import Span

        assert isinstance(span, Span)
        return self.space.mask(span.low, span.high)

    def _masks(self, spanned: list, within: int) -> list[tuple[object, int]]:
        """Each thing's versions: its span within `within`, or what the spanned ones leave."""
        ranged = 0
        for _, span in spanned:
            if span is not None:
                ranged |= self.span_mask(span)
        rest = within & ~ranged if ranged else within
        return [(thing, self.span_mask(span) & within if span is not None else rest) for thing, span in spanned]

    def parts(self, kind: str) -> list[tuple["RouteSection", "Part", int]]:
        """The parts of one kind, each with the versions it documents."""
        found = []
        for section, mask in self.section_masks:
            parts = [p for p in section.parts if p.kind == kind]
            for part, part_mask in self._masks([(p, p.span) for p in parts], mask):
                found.append((section, part, part_mask))
        return found  # type: ignore[return-value]

    def listings(self, kind: str) -> list[Listing]:
        """Every documented parameter of the parts of one kind whose entry can be read."""
        found = []
        for section, part, part_mask in self.parts(kind):
            for plist in part.lists:
                for item in plist.items:
                    entry = self.ref.entry(plist, item.key)
                    if entry is None:
                        continue
                    narrowed = part_mask & self.space.mask(entry.min_version, entry.max_version)
                    found.append(Listing(section, part, part_mask, plist, item, entry, narrowed))
        return found

    def unknown_names(self, kind: str) -> set[str]:
        """Names listed in parts of one kind whose entry cannot be read: nothing is said of them."""
        names = set()
        for _, part, _ in self.parts(kind):
            for plist in part.lists:
                for item in plist.items:
                    if self.ref.entry(plist, item.key) is None and self.ref.is_unknown(plist, item.key):
                        names.update({item.name, item.leaf or item.name})
        return names

    def bodiless(self, section: "RouteSection", mask: int, kind: str) -> int:
        """Versions an example need not cover: a Request/Response part documents them without a body."""
        primary = kind.split()[0]
        parts = [p for p in section.parts if p.kind == primary]
        found = 0
        for part, part_mask in self._masks([(p, p.span) for p in parts], mask):
            has_body = any(
                (entry := self.ref.entry(plist, item.key)) is not None and entry.location == "body"
                for plist in part.lists for item in plist.items)  # type: ignore[attr-defined]
            if not has_body:
                found |= part_mask
        return found

    # -- names: where the code has each request name ----------------------------------------------
    def bare_bodies(self) -> "tuple[int, list[tuple[int, Acceptance]]]":
        """The versions whose request schema is not an object (a bare list), and those schemas."""
        found = []
        mask = 0
        for at, accepts in self.contract.body_schemas():
            if accepts is not None and accepts.schema is not None and not_an_object(accepts.schema.value):
                found.append((at, accepts))
                mask |= at
        return mask, found

    def names_the_body(self, listing: Listing, versions: int) -> bool:
        """A top-level body parameter documented at some of `versions`: it names a body that is not an object."""
        return (listing.entry.location == "body" and "." not in listing.item.name and listing.item.leaf is not None
                and bool(listing.mask & versions))

    def body_names(self) -> set[str]:
        """The documented parameters that name a request body that is not an object."""
        mask, _ = self.bare_bodies()
        if not mask:
            return set()
        return {listing.item.name for listing in self.listings("request") if self.names_the_body(listing, mask)}

    def unknown_body(self) -> int:
        """The versions whose request body schema is not known, or not wholly."""
        unknown = 0
        for mask, accepts in self.contract.body_schemas():
            if accepts is None or not accepts.complete:
                unknown |= mask
        return unknown

    def body_presence(self) -> dict[str, Presence]:
        """Each name the request body schemas accept (at any depth), where they do."""
        groups = self.contract.body_schemas()
        unknown = self.unknown_body()
        names = {name for _, accepts in groups if accepts is not None for name in accepts.names}
        found = {}
        for name in names:
            mask = 0
            evidence = []
            for at, accepts in groups:
                if accepts is not None and name in accepts.names:
                    mask |= at
                    evidence.append((at, accepts))
            found[name] = Presence(mask, unknown & ~mask, tuple(evidence))
        return found

    def request_body_presence(self) -> tuple[dict[str, Presence], set[str]]:
        """body_presence with the one parameter naming a body that is not an object (a bare list) present
        where that body is; and the names nothing is said of: every such parameter when several could name it."""
        body = self.body_presence()
        naming = self.body_names()
        if len(naming) != 1:
            return body, naming  # several could name it: nothing is said of them
        name = next(iter(naming))
        mask, groups = self.bare_bodies()
        old = body.get(name, Presence(0, self.unknown_body() & ~mask, ()))
        body[name] = Presence(old.mask | mask, old.unknown & ~mask,
                              old.evidence + tuple((at, accepts) for at, accepts in groups))
        return body, set()

    def response_presence(self) -> tuple[dict[str, Presence], set[str]]:
        """Where the code writes each response field; with the one parameter naming a body that is a list (an
        `array` the code writes as no field there) written where that body is; and the names nothing is said
        of: every such parameter when several could name it. Unknown where the analysis ran out."""
        cut = self.contract.unknown()  # where the analysis ran out, a field may be set on a path not followed
        found = {name: Presence(field.mask, cut & ~field.mask, tuple((at, ("set", site)) for at, site in field.sites))
                 for name, field in self.contract.fields().items()}
        mask, sites = self.contract.list_body()
        if not mask:
            return found, set()
        naming = {listing.item.name for listing in self.listings("response")
                  if self.names_the_body(listing, mask) and listing.entry.type == "array"
                  and not (listing.item.name in found and found[listing.item.name].mask & mask)}
        if len(naming) != 1:
            return found, naming  # several could name it: nothing is said of them
        name = next(iter(naming))
        old = found.get(name, Presence(0, cut, ()))
        found[name] = Presence(old.mask | mask, old.unknown & ~mask,
                               old.evidence + tuple((at, ("set", site)) for at, site in sites))
        return found, set()

    def query_presence(self) -> dict[str, Presence]:
        """Each query parameter a schema names (or a pattern stands for) or the code reads, and where the code has
        it: accepted by a schema, or read where no schema is known."""
        groups = self.contract.query_schemas()
        reads = self.contract.query_reads()
        names, patterned, unschemed, unknown = self.contract.query_names()
        names |= patterned
        found = {}
        for name in names:
            mask = 0
            evidence: list[tuple[int, object]] = []
            for at, accepts in groups:
                if accepts is not None and query_accepting(accepts, name) is not None:
                    mask |= at
                    evidence.append((at, accepts))
            for read in reads:
                if read.name == name and read.mask & unschemed:
                    mask |= read.mask & unschemed
                    evidence.append((read.mask & unschemed, ("read", read.site)))
            found[name] = Presence(mask, (unknown | unschemed) & ~mask, tuple(evidence))
        return found

    def acceptance(self, listing: Listing, name: str) -> "tuple[bool, int, list[Acceptance]]":
        """Whether a request schema of the route accepts a documented body or query parameter (`name`: as the
        code names it), the versions judged (those whose schema is fully known and closed) and their schemas,
        in version order. A query parameter the code reads where no schema is known is accepted."""
        location = listing.entry.location
        groups = self._request_schemas["body" if location == "body" else "query"]
        reads = self._query_reads
        judged = 0
        schemas: list[Acceptance] = []
        accepted = False
        for mask, accepts in sorted(groups, key=lambda group: group[0] & -group[0]):
            if accepts is None:
                if location == "query" and any(r.name == name and r.mask & mask for r in reads):
                    accepted = True
                continue
            if not accepts.complete or not accepts.closed:
                continue
            if location == "body":
                if name in accepts.names or (accepts.patterns and listing.entry.type == "string"):
                    accepted = True  # a string-typed name beside patternProperties: a key placeholder
                elif (accepts.schema is not None and not_an_object(accepts.schema.value)
                      and self.names_the_body(listing, mask)):
                    accepted = True  # it names the body itself (a bare list)
            elif query_accepting(accepts, name) is not None:
                accepted = True
            judged |= mask
            schemas.append(accepts)
        return accepted, judged, schemas

    @functools.cached_property
    def _request_schemas(self) -> "dict[str, list[tuple[int, Acceptance | None]]]":
        """The route's body and query schema groups, computed once for every listing's acceptance."""
        return {"body": self.contract.body_schemas(), "query": self.contract.query_schemas()}

    @functools.cached_property
    def _query_reads(self) -> "list[QueryRead]":
        return self.contract.query_reads()

    # -- where and what for messages --------------------------------------------------------------
    def rel(self, path: Path) -> str:
        """A path as messages name it: relative to the project root."""
        from reviewlint.core.config import relative_to_root

        return relative_to_root(path, self.project.root)

    def site_text(self, site: "Spot | None") -> str:
        """`code` at path:line, for a message."""
        if site is None:
            return ""
        return f"`{site.code}` at {self.rel(site.path)}:{site.line}"

    def decider(self, version: "Version", near: "Spot | None" = None) -> "Spot | None":
        """The code that changes the route's behaviour at `version`: nearest above `near` when given."""
        sites = self.changes.get(version, [])
        if not sites:
            return None
        if near is not None:
            before = [s for s in sites if s.path == near.path and s.line <= near.line]
            if before:
                return max(before, key=lambda s: s.line)
        return sites[0]

    def change_text(self, version: "Version") -> str:
        from reviewlint.core.microversion import format_version

        text = self.site_text(self.decider(version))
        return f"{format_version(version)} ({text})" if text else format_version(version)

    def list_site(self, kind: str, version: "Version | None") -> tuple[Path, int]:
        """Where a missing parameter belongs: the list of the part covering `version`."""
        parts = self.parts(kind)
        index = self.space.versions.index(version) if version in self.space.versions else -1
        chosen = next((p for p in parts if index >= 0 and p[2] >> index & 1), parts[0] if parts else None)
        if chosen is None:
            section = self.sections[0]
            return section.path, section.line
        _, part, _ = chosen
        if part.lists:
            return part.lists[0].path, part.lists[0].line
        return chosen[0].path, part.line

    def evidence(self, presence: Presence, version: "Version | None", after: bool = False) -> str:
        """What the code says at `version`: the schema or write that has the name, and what decides it.

        With `after`, the name ends at `version`, and the change is at the version that follows.
        """
        if version is None:
            return ""
        index = self.space.versions.index(version)
        found = next((what for mask, what in presence.evidence if mask >> index & 1), None)
        what, near = self.evidence_text(found)
        change = self.space.lowest(self.served & self.space.above(version)) if after else version
        decider = self.site_text(self.decider(change, near)) if change is not None else ""
        parts = [p for p in (what, f"decided by {decider}" if decider else "") if p]
        return "; ".join(parts) if parts else f"at {self.change_text(version)}"

    def evidence_text(self, found: object) -> "tuple[str | None, Spot | None]":
        """(text, site) of one piece of evidence: a schema, or a write or read at a site."""
        from reviewlint.analysis.route_contract import Acceptance

        if isinstance(found, Acceptance):
            return self.schema_text(found), None
        if isinstance(found, tuple):
            verb, site = found
            return f"{verb} at {self.rel(site.path)}:{site.line}", site
        return None, None

    def schema_text(self, accepts: "Acceptance") -> str:
        """`schema NAME (path:line)`, or `no body`."""
        schema = accepts.schema
        if schema is None:
            return "no body"
        where = f" ({self.rel(schema.site.path)}:{schema.site.line})" if schema.site is not None else ""
        return f"schema {schema.label}{where}"


def route_docs(project: "Project", ref: "Reference", contracts: dict["Route", "RouteContract"]
               ) -> Iterator["RouteDoc"]:
    """Each route both the reference documents and the code serves: its sections (matched by method and
    path, placeholders normalised) with its contract."""
    from reviewlint.service.reference import route_shape

    by_key: dict[tuple[str, str], RouteContract] = {}
    for route, contract in contracts.items():
        by_key.setdefault((route.method, route_shape(route.template)), contract)
    sections: dict[tuple[str, str], list[RouteSection]] = {}
    for section in ref.sections:
        sections.setdefault((section.method, route_shape(section.template)), []).append(section)
    for key, documented in sections.items():
        found_contract = by_key.get(key)
        if found_contract is None or not found_contract.mask:
            continue  # a route the code does not have: Placement's own Sphinx extension says so
        yield RouteDoc(project, ref, found_contract, documented)


def not_an_object(value: object) -> bool:
    """A schema whose `type` says it is not an object (`array`, `string`...): its body is named, not keyed."""
    from reviewlint.model.schemas import Const, DictValue, ListValue

    if not isinstance(value, DictValue):
        return False
    kind = value.entries.get("type")
    if isinstance(kind, Const):
        return isinstance(kind.value, str) and kind.value != "object"
    if isinstance(kind, ListValue) and kind.items:
        return all(isinstance(item, Const) and isinstance(item.value, str) and item.value != "object"
                   for item in kind.items)
    return False


def doc_name(item: "ListedParameter", location: str) -> str | None:
    """How the code would name a documented parameter: the leaf of a body path, a query name as is."""
    if location == "query":
        return None if _PLACEHOLDER_KEY.search(item.name) else item.name
    return item.leaf
