"""RVL6xx: the API reference agrees with the code, microversion by microversion.

The reference (`api-ref/source/`: `.inc` route sections and `parameters.yaml`,
read by reviewlint.service.reference) is compared with what each route accepts and
returns at each microversion (reviewlint.analysis.contract). Findings are located in
the reference: the `.inc` line of a list, item or heading, or the
`parameters.yaml` entry. The engine asks for them through `lint_reference`
(a reference file is an input) and `lint_related` (a Python input the
analysis reads changed, so the reference is checked again).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from reviewlint.core.findings import Finding
from reviewlint.rules.apiref_required import Drift, RequiredMismatch, placed, request_drifts
from reviewlint.rules.base import Rule
from reviewlint.service.reference_choice import is_reference_file, reference, reference_directory
from reviewlint.analysis.route_contract import pattern_names, query_accepting
from reviewlint.analysis.route_inputs import reads_any, routes_changed_by

if TYPE_CHECKING:
    from reviewlint.service.reference_data import (ListedParameter, ParameterEntry, ParameterList, Part, Reference,
                                                   RouteSection, Span)
    from reviewlint.analysis.route_contract import Acceptance, RouteContract
    from reviewlint.analysis.values import Spot
    from reviewlint.model.project import Project
    from reviewlint.core.microversion import Version


# Example files shared by several rules' examples (documentation, linted by tests/test_examples.py).
_UPDATE_WIDGET_ROUTES = '''
    from svc.handlers import widget

    ROUTE_DECLARATIONS = {
        '/widgets/{uuid}': {
            'PUT': widget.update_widget,
        },
    }
'''


_SHOW_WIDGET_ROUTES = '''
    from svc.handlers import widget

    ROUTE_DECLARATIONS = {
        '/widgets/{uuid}': {
            'GET': widget.show_widget,
        },
    }
'''


_SHOW_WIDGET_HANDLER = '''
    @wsgi_wrapper.PlacementWsgify
    def show_widget(req):
        want_version = req.environ[microversion.MICROVERSION_ENVIRON]
        widget = widget_obj.get_by_uuid(util.wsgi_path_item(req.environ, 'uuid'))
        data = {'uuid': widget.uuid, 'name': widget.name}
        if want_version.matches((1, 2)):
            data['colour'] = widget.colour
        req.response.json_body = data
        return req.response
'''


class UndocumentedRequestVersion(Rule):
    """A request parameter that exists only from a microversion is undocumented or lacks its `min_version`.

    Clients read the reference to learn which microversion to ask for. A
    body property or query parameter that the code accepts only from 1.38
    (the schema selected at 1.38 adds it) must be listed among the route's
    request parameters with `min_version: 1.38` in its `parameters.yaml`
    entry, or sit under a heading whose range starts there; otherwise
    clients send it at 1.37 and get a 400, or never learn it exists. A
    parameter removed at a version needs `max_version` (or the heading
    ranges) the same way. Format changes (a list body becoming a dict) are
    not new parameters: only names that appear or disappear count. A body
    that is not an object (a bare list) is documented by the one top-level
    body parameter that names it, present where that schema is in force.
    """

    code = "RVL601"
    message = "{route}: request parameter {name} {problem}; {evidence}"
    location = "the `.. rest_parameters::` list of the route's request section, or the parameters.yaml entry"
    bad = {
        "svc/schema.py": '''
            import copy

            PUT_WIDGET = {
                'type': 'object',
                'properties': {'name': {'type': 'string'}},
                'additionalProperties': False,
            }
            PUT_WIDGET_V1_2 = copy.deepcopy(PUT_WIDGET)
            PUT_WIDGET_V1_2['properties']['colour'] = {'type': 'string'}
        ''',
        "svc/handlers/widget.py": '''
            from svc import schema


            @wsgi_wrapper.PlacementWsgify
            @util.require_content('application/json')
            def update_widget(req):
                want_version = req.environ[microversion.MICROVERSION_ENVIRON]
                put_schema = schema.PUT_WIDGET
                if want_version.matches((1, 2)):
                    put_schema = schema.PUT_WIDGET_V1_2
                data = util.extract_json(req.body, put_schema)
                ...
        ''',
        "svc/handler.py": _UPDATE_WIDGET_ROUTES,
        "api-ref/source/widgets.inc": '''
            Update widget
            =============

            .. rest_method:: PUT /widgets/{uuid}

            Request
            -------

            .. rest_parameters:: parameters.yaml

              - name: widget_name
              - colour: widget_colour
        ''',
        "api-ref/source/parameters.yaml": '''
            widget_colour:  # <-
              type: string
              in: body
              required: false
              description: The colour of the widget.
            widget_name:
              type: string
              in: body
              required: true
              description: The name of the widget.
        ''',
    }
    good = {"api-ref/source/parameters.yaml": '''
        widget_colour:
          type: string
          in: body
          required: false
          min_version: 1.2
          description: The colour of the widget.
        widget_name:
          type: string
          in: body
          required: true
          description: The name of the widget.
    '''}


class UndocumentedResponseVersion(Rule):
    """A response field set only under a microversion gate is undocumented or lacks its `min_version`.

    When a handler (or a serializer it calls, on that route's code path)
    adds `data['shelf']` only if `want_version.matches((1, 4))`, the
    reference must list `shelf` among the route's response parameters with
    `min_version: 1.4`, or under a heading whose range starts at 1.4.
    Otherwise clients look for a field older versions never send, or never
    learn that newer ones do. A helper shared by two routes is judged per
    route: it may set the field under a gate for one of them only.
    """

    code = "RVL602"
    message = "{route}: response field {name} {problem}; {evidence}"
    location = "the `.. rest_parameters::` list of the route's response section, or the parameters.yaml entry"
    bad = {
        "svc/handlers/widget.py": _SHOW_WIDGET_HANDLER,
        "svc/handler.py": _SHOW_WIDGET_ROUTES,
        "api-ref/source/widgets.inc": '''
            Show widget
            ===========

            .. rest_method:: GET /widgets/{uuid}

            Response
            --------

            .. rest_parameters:: parameters.yaml  # <-

              - uuid: widget_uuid
              - name: widget_name
        ''',
        "api-ref/source/parameters.yaml": '''
            widget_name:
              type: string
              in: body
              required: true
              description: The name of the widget.
            widget_uuid:
              type: string
              in: body
              required: true
              description: The uuid of the widget.
        ''',
    }
    good = {
        "api-ref/source/widgets.inc": '''
            Show widget
            ===========

            .. rest_method:: GET /widgets/{uuid}

            Response
            --------

            .. rest_parameters:: parameters.yaml

              - uuid: widget_uuid
              - name: widget_name
              - colour: widget_colour
        ''',
        "api-ref/source/parameters.yaml": '''
            widget_colour:
              type: string
              in: body
              required: true
              min_version: 1.2
              description: The colour of the widget.
            widget_name:
              type: string
              in: body
              required: true
              description: The name of the widget.
            widget_uuid:
              type: string
              in: body
              required: true
              description: The uuid of the widget.
        ''',
    }


class UnacceptedRequestParameter(Rule):
    """A documented request parameter is accepted by no request schema of the route, at any version.

    The reference promises a body property or query parameter the code
    never accepts: clients that send it get a 400 from a closed schema (or
    see it silently ignored). Usually a leftover of a parameter that was
    renamed or never merged, or an entry listed under the wrong route. Only
    routes whose schemas are fully known and closed at every version are
    judged; `{name}` placeholders and keys of `patternProperties` objects
    are not parameters, and a top-level body parameter documented where the
    schema is not an object (a bare list) names the body itself.
    """

    code = "RVL603"
    message = "{route}: request parameter {name} ({where}, entry {entry}) is accepted by no request schema " \
              "of the route at any version: {schemas}"
    location = "the `.inc` line of the parameter"
    bad = {
        "svc/handlers/widget.py": '''
            from svc import schema


            @wsgi_wrapper.PlacementWsgify
            @util.require_content('application/json')
            def update_widget(req):
                data = util.extract_json(req.body, schema.PUT_WIDGET)
                ...
        ''',
        "svc/handler.py": _UPDATE_WIDGET_ROUTES,
        "svc/schema.py": '''
            PUT_WIDGET = {
                'type': 'object',
                'properties': {'name': {'type': 'string'}},
                'additionalProperties': False,
            }
        ''',
        "api-ref/source/widgets.inc": '''
            Update widget
            =============

            .. rest_method:: PUT /widgets/{uuid}

            Request
            -------

            .. rest_parameters:: parameters.yaml

              - name: widget_name
              - colour: widget_colour  # <-
        ''',
        "api-ref/source/parameters.yaml": '''
            widget_colour:
              type: string
              in: body
              required: false
              description: The colour of the widget.
            widget_name:
              type: string
              in: body
              required: true
              description: The name of the widget.
        ''',
    }
    good = {"api-ref/source/widgets.inc": '''
        Update widget
        =============

        .. rest_method:: PUT /widgets/{uuid}

        Request
        -------

        .. rest_parameters:: parameters.yaml

          - name: widget_name
    '''}


class HeadingRangeGap(Rule):
    """The version ranges of a route's section headings leave a version uncovered, or overlap.

    `Response (microversions 1.9 - 1.36)` followed by `Response
    (microversions 1.38 - )` says nothing about 1.37, though the route
    serves it: a reader at 1.37 finds no description. Ranges of headings
    of one kind (section, Request, Request example, Response, Response
    example) must tile the versions the route serves, taken from its
    `version_handler`s and `VERSIONS`, not from the prose; examples are
    needed only where a body is documented. The message names the code
    that changes the route's behaviour next to the gap, which tells which
    heading is wrong.
    """

    code = "RVL604"
    message = "{route}: {detail}"
    location = "the heading"
    bad = {
        "svc/handlers/widget.py": _SHOW_WIDGET_HANDLER,
        "svc/handler.py": _SHOW_WIDGET_ROUTES,
        "api-ref/source/widgets.inc": '''
            Show widget
            ===========

            .. rest_method:: GET /widgets/{uuid}

            Response (microversions 1.2 - )
            -------------------------------

            .. rest_parameters:: parameters.yaml

              - uuid: widget_uuid
              - name: widget_name
              - colour: widget_colour

            Response (microversions 1.0 - 1.2)  # <-
            ----------------------------------

            .. rest_parameters:: parameters.yaml

              - uuid: widget_uuid
              - name: widget_name
        ''',
        "api-ref/source/parameters.yaml": '''
            widget_colour:
              type: string
              in: body
              required: true
              description: The colour of the widget.
            widget_name:
              type: string
              in: body
              required: true
              description: The name of the widget.
            widget_uuid:
              type: string
              in: body
              required: true
              description: The uuid of the widget.
        ''',
    }
    good = {"api-ref/source/widgets.inc": '''
        Show widget
        ===========

        .. rest_method:: GET /widgets/{uuid}

        Response (microversions 1.2 - )
        -------------------------------

        .. rest_parameters:: parameters.yaml

          - uuid: widget_uuid
          - name: widget_name
          - colour: widget_colour

        Response (microversions 1.0 - 1.1)
        ----------------------------------

        .. rest_parameters:: parameters.yaml

          - uuid: widget_uuid
          - name: widget_name
    '''}


RULES: tuple[type[Rule], ...] = (
    UndocumentedRequestVersion, UndocumentedResponseVersion, UnacceptedRequestParameter, HeadingRangeGap,
    RequiredMismatch,
)

REQUEST_KINDS = ("request",)
HEADING_KINDS = ("request", "request example", "response", "response example")
_PLACEHOLDER_KEY = re.compile(r"[{}]")


@dataclass(frozen=True, order=True)
class ReferenceFinding:
    """A finding located in the reference, before it is named for display."""

    path: Path
    line: int
    code: str
    message: str
    route: str = dataclasses.field(default="", compare=False)  # the label of the route it is about ('' for none)


# -- judging ------------------------------------------------------------------------------------

def judge(project: "Project") -> list[ReferenceFinding]:
    """Every RVL6xx finding and reference problem of the project, sorted.

    Kept in the persistent cache with every file it was read from: the
    reference, the handler and schema modules, the routes and versions.
    """
    from reviewlint.model.project import Codec

    codec: Codec[list[ReferenceFinding]] = Codec(
        lambda found: [[str(f.path), f.line, f.code, f.message, f.route] for f in found],
        lambda data: [ReferenceFinding(Path(path), int(line), str(code), str(message), str(route))
                      for path, line, code, message, route in data])
    return project.memo("rvl6:findings", lambda: _judge(project), codec)


def _judge(project: "Project") -> list[ReferenceFinding]:
    from reviewlint.service.reference import route_shape
    from reviewlint.analysis.route_contract import route_contracts

    ref = reference(project)
    if ref is None:
        return []
    found = [ReferenceFinding(p.path, p.line, p.code, p.reason) for p in ref.problems]
    contracts = route_contracts(project)
    by_key: dict[tuple[str, str], RouteContract] = {}
    for route, contract in contracts.items():
        by_key.setdefault((route.method, route_shape(route.template)), contract)
    sections: dict[tuple[str, str], list[RouteSection]] = {}
    for section in ref.sections:
        sections.setdefault((section.method, route_shape(section.template)), []).append(section)
    drifts: list[Drift] = []
    for key, documented in sections.items():
        found_contract = by_key.get(key)
        if found_contract is None or not found_contract.mask:
            continue  # a route the code does not have: Placement's own Sphinx extension says so
        doc = _RouteDoc(project, ref, found_contract, documented)
        judged = [*doc.request_versions(), *doc.response_versions(), *doc.unaccepted(), *doc.heading_ranges()]
        found.extend(dataclasses.replace(finding, route=doc.label) for finding in judged)
        drifts.extend(request_drifts(doc.label, found_contract, doc.listings("request"), _doc_name, doc.schema_text))
    if drifts:
        found.extend(ReferenceFinding(*at) for at in placed(ref, drifts, next(iter(contracts.values())).space.describe))
    return sorted(set(_unsuppressed(project, ref, found)))


def _unsuppressed(project: "Project", ref: "Reference", findings: list[ReferenceFinding]
                  ) -> Iterator[ReferenceFinding]:
    """Drop what `.. noqa` comments (`.inc`) and `# noqa` comments (YAML) suppress."""
    from reviewlint.core.noqa import apply_noqa
    from reviewlint.core.source import UnreadableSource

    by_path: dict[Path, list[ReferenceFinding]] = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    for path, here in by_path.items():
        if path.suffix == ".inc":
            covered = ref.suppressions.get(path, {})
            for finding in here:
                codes = covered.get(finding.line)
                if codes is None or (codes and not finding.code.startswith(codes)):
                    yield finding
            continue
        try:
            text = project.source(path)
        except UnreadableSource:
            yield from here
            continue
        kept = {(f.line, f.code, f.message) for f in apply_noqa(
            [Finding(str(path), f.line, 0, f.code, f.message) for f in here], text)}
        yield from (f for f in here if (f.line, f.code, f.message) in kept)


@dataclass(frozen=True)
class _Listing:
    """One documented parameter of a route: where it is listed and for which versions."""

    section: "RouteSection"
    part: "Part"
    part_mask: int
    plist: "ParameterList"
    item: "ListedParameter"
    entry: "ParameterEntry"
    mask: int  # part_mask narrowed by the entry's min_version/max_version


@dataclass(frozen=True)
class _Presence:
    """Where the code has a name: accepted (or set) at `mask`, unknown at `unknown`."""

    mask: int
    unknown: int
    # (versions, what gives it there: an Acceptance, or ("set"/"read", its site)), for messages only:
    # positions are computed when a finding is made, not before.
    evidence: tuple[tuple[int, object], ...]


class _RouteDoc:
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

    # -- ranges -------------------------------------------------------------------------------
    def span_mask(self, span: object) -> int:
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

    def listings(self, kind: str) -> list[_Listing]:
        """Every documented parameter of the parts of one kind whose entry can be read."""
        found = []
        for section, part, part_mask in self.parts(kind):
            for plist in part.lists:
                for item in plist.items:
                    entry = self.ref.entry(plist, item.key)
                    if entry is None:
                        continue
                    narrowed = part_mask & self.space.mask(entry.min_version, entry.max_version)
                    found.append(_Listing(section, part, part_mask, plist, item, entry, narrowed))
        return found

    # -- where and what for messages ------------------------------------------------------------
    def rel(self, path: Path) -> str:
        from reviewlint.core.config import relative_to_root

        return relative_to_root(path, self.project.root)

    def site_text(self, site: "Spot | None") -> str:
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

    # -- RVL601 / RVL602 ------------------------------------------------------------------------
    def unknown_names(self, kind: str) -> set[str]:
        """Names listed in parts of one kind whose entry cannot be read: nothing is said of them."""
        names = set()
        for _, part, _ in self.parts(kind):
            for plist in part.lists:
                for item in plist.items:
                    if self.ref.entry(plist, item.key) is None and self.ref.is_unknown(plist, item.key):
                        names.update({item.name, item.leaf or item.name})
        return names

    def request_versions(self) -> Iterator[ReferenceFinding]:
        listings = [listing for listing in self.listings("request") if listing.entry.location in ("body", "query")]
        unknown = self.unknown_names("request")
        body = self.body_presence()
        naming = self.body_names()
        if len(naming) == 1:  # the parameter naming a body that is not an object: present where that body is
            name = next(iter(naming))
            mask, groups = self.bare_bodies()
            old = body.get(name, _Presence(0, self.unknown_body() & ~mask, ()))
            body[name] = _Presence(old.mask | mask, old.unknown & ~mask,
                                   old.evidence + tuple((at, accepts) for at, accepts in groups))
        else:
            unknown |= naming  # several could name it: nothing is said of them
        for location, presence in (("body", body), ("query", self.query_presence())):
            here = [listing for listing in listings if listing.entry.location == location]
            for name, found in sorted(presence.items()):
                if name in unknown:
                    continue
                named = [listing for listing in here if _doc_name(listing.item, location) == name]
                yield from self.versioned(UndocumentedRequestVersion, "request", name, found, self.served, named,
                                          "accepted")

    def response_versions(self) -> Iterator[ReferenceFinding]:
        served = self.contract.response_mask()
        cut = self.contract.unknown()  # where the analysis ran out, a field may be set on a path not followed
        listings = [listing for listing in self.listings("response") if listing.entry.location == "body"]
        unknown = self.unknown_names("response")
        for name, field in sorted(self.contract.fields().items()):
            if name in unknown:
                continue
            evidence = tuple((mask, ("set", site)) for mask, site in field.sites)
            named = [listing for listing in listings if listing.item.leaf == name]
            yield from self.versioned(UndocumentedResponseVersion, "response", name,
                                      _Presence(field.mask, cut & ~field.mask, evidence), served, named, "set")

    def versioned(self, rule: type[Rule], kind: str, name: str, presence: _Presence, served: int,
                  listings: list[_Listing], verb: str) -> Iterator[ReferenceFinding]:
        """RVL601/RVL602 for one name: missing, or its entry's versions disagree with the code."""
        from reviewlint.core.microversion import format_version

        space = self.space
        unknown = presence.unknown & served
        known = served & ~unknown
        present = presence.mask & known
        if not present:
            return
        first, last = space.lowest(present), space.highest(present)
        assert first is not None and last is not None
        below = served & space.below(first)
        above = served & space.above(last)
        starts_late = bool(below) and not below & unknown
        ends_early = bool(above) and not above & unknown
        if not (starts_late or ends_early):
            return
        route = self.label
        if not listings:
            path, line = self.list_site(kind, first if starts_late else last)
            span = f"from {format_version(first)}" if starts_late else f"up to {format_version(last)}"
            yield ReferenceFinding(path, line, rule.code, rule.message.format(
                route=route, name=name,
                problem=f"is {verb} {span} but is not among the route's {kind} parameters",
                evidence=self.evidence(presence, first) if starts_late else self.evidence(presence, last, after=True)))
            return
        covered = 0
        for listing in listings:
            covered |= listing.part_mask
            at = present & listing.part_mask
            if not at:
                continue
            entry = listing.entry
            if starts_late:
                expected = space.lowest(at)
                assert expected is not None
                low = space.lowest(listing.part_mask)
                effective = max(low, entry.min_version) if entry.min_version and low else low
                if effective != expected and not (listing.part_mask & space.below(expected) & unknown):
                    says = (f"says min_version: {format_version(entry.min_version)}" if entry.min_version
                            else "has no min_version")
                    yield ReferenceFinding(entry.path, entry.min_site, rule.code, rule.message.format(
                        route=route, name=name,
                        problem=f"is {verb} from {format_version(expected)}, but its parameters.yaml entry "
                                f"{entry.key} {says}", evidence=self.evidence(presence, expected)))
            if ends_early:
                expected = space.highest(at)
                assert expected is not None
                high = space.highest(listing.part_mask)
                effective = min(high, entry.max_version) if entry.max_version and high else high
                if effective != expected and not (listing.part_mask & space.above(expected) & unknown):
                    says = (f"says max_version: {format_version(entry.max_version)}" if entry.max_version
                            else "has no max_version")
                    yield ReferenceFinding(entry.path, entry.max_site, rule.code, rule.message.format(
                        route=route, name=name,
                        problem=f"is {verb} up to {format_version(expected)}, but its parameters.yaml entry "
                                f"{entry.key} {says}", evidence=self.evidence(presence, expected, after=True)))
        uncovered = present & ~covered
        if uncovered:
            low = space.lowest(uncovered)
            path, line = self.list_site(kind, low)
            yield ReferenceFinding(path, line, rule.code, rule.message.format(
                route=route, name=name,
                problem=f"is {verb} at {space.describe(uncovered)}, where no {kind} section of the route lists it",
                evidence=self.evidence(presence, low)))

    def evidence(self, presence: _Presence, version: "Version | None", after: bool = False) -> str:
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

    def bare_bodies(self) -> "tuple[int, list[tuple[int, Acceptance]]]":
        """The versions whose request schema is not an object (a bare list), and those schemas."""
        found = []
        mask = 0
        for at, accepts in self.contract.body_schemas():
            if accepts is not None and accepts.schema is not None and _not_an_object(accepts.schema.value):
                found.append((at, accepts))
                mask |= at
        return mask, found

    def names_the_body(self, listing: _Listing, versions: int) -> bool:
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

    def body_presence(self) -> dict[str, _Presence]:
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
            found[name] = _Presence(mask, unknown & ~mask, tuple(evidence))
        return found

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
        schema = accepts.schema
        if schema is None:
            return "no body"
        where = f" ({self.rel(schema.site.path)}:{schema.site.line})" if schema.site is not None else ""
        return f"schema {schema.label}{where}"

    def query_presence(self) -> dict[str, _Presence]:
        groups = self.contract.query_schemas()
        reads = self.contract.query_reads()
        unschemed = unknown = 0
        names: set[str] = set()
        for mask, accepts in groups:
            if accepts is None:
                unschemed |= mask
                continue
            if not accepts.complete:
                unknown |= mask
            names |= accepts.names | set(pattern_names(accepts.patterns))
        names |= {read.name for read in reads}
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
            found[name] = _Presence(mask, (unknown | unschemed) & ~mask, tuple(evidence))
        return found

    # -- RVL603 ---------------------------------------------------------------------------------
    def unaccepted(self) -> Iterator[ReferenceFinding]:
        served = self.served
        body = self.contract.body_schemas()
        query = self.contract.query_schemas()
        reads = self.contract.query_reads()
        seen: set[tuple[Path, int]] = set()
        for listing in self.listings("request"):
            location = listing.entry.location
            name = _doc_name(listing.item, location or "")
            if location not in ("body", "query") or name is None or (listing.plist.path, listing.item.line) in seen:
                continue
            seen.add((listing.plist.path, listing.item.line))
            groups = body if location == "body" else query
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
                    elif (accepts.schema is not None and _not_an_object(accepts.schema.value)
                          and self.names_the_body(listing, mask)):
                        accepted = True  # it names the body itself (a bare list)
                elif query_accepting(accepts, name) is not None:
                    accepted = True
                judged |= mask
                schemas.append(accepts)
            if accepted or judged & served != served:
                continue
            texts: list[str] = []
            for accepts in schemas:  # positions only now: a finding is certain
                text = self.schema_text(accepts)
                if text not in texts:
                    texts.append(text)
            rule = UnacceptedRequestParameter
            yield ReferenceFinding(listing.plist.path, listing.item.line, rule.code, rule.message.format(
                route=self.label, name=listing.item.name, where=f"in: {location}", entry=listing.entry.key,
                schemas=", ".join(texts) or "none"))

    # -- RVL604 ---------------------------------------------------------------------------------
    def heading_ranges(self) -> Iterator[ReferenceFinding]:
        if len(self.sections) > 1:
            sections: list[tuple[object, Span | None, int, Path]] = [
                (s, s.span, s.title_line, s.path) for s in self.sections]
            yield from self.tiling("section", sections, self.served, self.served)
        for section, mask in self.section_masks:
            for kind in HEADING_KINDS:
                parts = [p for p in section.parts if p.kind == kind]
                spanned: list[tuple[object, Span | None, int, Path]] = [
                    (p, p.span, p.line, section.path) for p in parts]
                needed = mask & ~self.bodiless(section, mask, kind) if kind.endswith("example") else mask
                yield from self.tiling(f"{kind.capitalize()}", spanned, mask, needed)

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

    def tiling(self, kind: str, spanned: list, within: int, needed: int) -> Iterator[ReferenceFinding]:
        """Gaps in `needed` and overlaps among the ranged headings of one kind."""
        ranged = [(thing, span, line, path) for thing, span, line, path in spanned if span is not None]
        if not ranged or len(ranged) != len(spanned):
            # nothing versioned, or an unranged heading covers what the others leave
            ranged_only = ranged if len(ranged) != len(spanned) else []
            yield from self.overlaps(kind, ranged_only, within)
            return
        covered = 0
        for _, span, _, _ in ranged:
            covered |= self.span_mask(span) & within
        yield from self.overlaps(kind, ranged, within)
        gaps = needed & ~covered
        for low, high in self.space.runs(gaps):
            yield self.gap(kind, ranged, low, high, covered)

    def overlaps(self, kind: str, ranged: list, within: int) -> Iterator[ReferenceFinding]:
        ordered = sorted(ranged, key=lambda r: (str(r[3]), r[2]))
        for index, (thing, span, line, path) in enumerate(ordered):
            mine = self.span_mask(span) & within
            for other, other_span, other_line, _ in ordered[:index]:
                both = mine & self.span_mask(other_span)
                if both:
                    rule = HeadingRangeGap
                    yield ReferenceFinding(path, line, rule.code, rule.message.format(
                        route=self.label, detail=f"{kind} heading {thing.title!r} overlaps {other.title!r} "
                                                 f"(line {other_line}) at {self.space.describe(both)}"))
                    break

    def gap(self, kind: str, ranged: list, low: "Version", high: "Version", covered: int) -> ReferenceFinding:
        """A run of uncovered versions, reported at the heading that should have covered it."""
        from reviewlint.core.microversion import format_version

        space = self.space
        changes = self.changes
        after = space.lowest(space.above(high) & self.served)
        before_heading = max((r for r in ranged if r[1].high is not None and r[1].high < low),
                             key=lambda r: r[1].high, default=None)
        after_heading = min((r for r in ranged if r[1].low > high), key=lambda r: r[1].low, default=None)
        if before_heading is not None and after_heading is not None:
            # The heading to move is the one on the side where the code does not change.
            blame = after_heading if (low in changes and after not in changes) else before_heading
        else:
            blame = before_heading or after_heading or ranged[0]
        gap = format_version(low) if low == high else f"{format_version(low)}..{format_version(high)}"
        context = f"the route serves {space.describe(self.served)}"
        nearby = [v for v in sorted(changes) if low <= v <= high] or [v for v in (after,) if v in changes]
        if nearby:
            context += "; its behaviour changes at " + ", ".join(self.change_text(v) for v in nearby)
        else:
            context += f"; the code behaves at {gap} as at the versions beside it"
        rule = HeadingRangeGap
        thing, _, line, path = blame
        return ReferenceFinding(path, line, rule.code, rule.message.format(
            route=self.label, detail=f"{kind} headings cover {space.describe(covered)} and leave {gap} "
                                     f"uncovered (next to {thing.title!r}); {context}"))


def _not_an_object(value: object) -> bool:
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


def _doc_name(item: "ListedParameter", location: str) -> str | None:
    """How the code would name a documented parameter: the leaf of a body path, a query name as is."""
    if location == "query":
        return None if _PLACEHOLDER_KEY.search(item.name) else item.name
    return item.leaf


# -- engine hooks -------------------------------------------------------------------------------

def lint_reference(project: "Project", path: Path) -> list[Finding]:
    """The findings located in one reference file (the engine's hook for non-Python inputs; absolute paths)."""
    if not is_reference_file(project, path):
        return []
    from reviewlint.core.config import resolve_path

    here = resolve_path(path)
    return [Finding(str(here), f.line, 0, f.code, f.message) for f in judge(project) if resolve_path(f.path) == here]


def lint_related(project: "Project", paths: Iterable[Path]) -> list[Finding]:
    """The reference's findings when a Python input the analysis reads (a handler, a schema) changed."""
    from reviewlint.core.config import resolve_path

    inputs = {resolve_path(path) for path in paths}
    if not inputs or reference_directory(project) is None:
        return []
    if not reads_any(project, inputs):
        return []
    routes = routes_changed_by(project, inputs)
    return [Finding(str(f.path), f.line, 0, f.code, f.message) for f in judge(project)
            if f.route and (routes is None or f.route in routes)]
