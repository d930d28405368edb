"""RVL6xx: the API reference agrees with the code, microversion by microversion.

The reference (`api-ref/source/`: `.inc` route sections and `parameters.yaml`,
read by reviewlint.service.reference) is compared with what each route accepts and
returns at each microversion (reviewlint.analysis.contract), one route at a time
through reviewlint.analysis.route_doc (which versions each listing documents, where
the code has each name); the rules here decide. Findings are located in the
reference: the `.inc` line of a list, item or heading, or the `parameters.yaml`
entry. The engine asks for them through `lint_reference` (a reference file is an
input) and `lint_related` (a Python input the analysis reads changed, so the
reference is checked again).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from reviewlint.core.findings import Finding
from reviewlint.rules.apiref_required import Drift, RequiredMismatch, placed, required_drifts
from reviewlint.rules.base import Rule

if TYPE_CHECKING:  # the judgement's modules are loaded when a reference is read, not to lint a handler
    from reviewlint.analysis.route_doc import Listing, Presence, RouteDoc
    from reviewlint.service.reference_data import Span
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
    route: it may set the field under a gate for one of them only. A body
    that is a list has no fields at the top: the one `array` parameter
    that names it (no field the code writes there) is set where that list
    is the body, and its items' keys are fields like any other.
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
    from reviewlint.analysis.route_contract import route_contracts
    from reviewlint.analysis.route_doc import doc_name, route_docs
    from reviewlint.service.reference_choice import reference
    from reviewlint.service.reference_noqa import unsuppressed

    ref = reference(project)
    if ref is None:
        return []
    found = [ReferenceFinding(p.path, p.line, p.code, p.reason) for p in ref.problems]
    contracts = route_contracts(project)
    drifts: list[Drift] = []
    for doc in route_docs(project, ref, contracts):
        judged = [*_request_versions(doc), *_response_versions(doc), *_unaccepted(doc), *_heading_ranges(doc)]
        found.extend(dataclasses.replace(finding, route=doc.label) for finding in judged)
        drifts.extend(required_drifts(doc.label, doc.contract, doc.listings, doc_name, doc.schema_text, doc.rel))
    if drifts:
        found.extend(ReferenceFinding(*at) for at in placed(ref, drifts, next(iter(contracts.values())).space.describe))
    return sorted(set(unsuppressed(project, ref, found)))


# -- RVL601 / RVL602 ---------------------------------------------------------------------------

def _request_versions(doc: RouteDoc) -> Iterator[ReferenceFinding]:
    from reviewlint.analysis.route_doc import doc_name

    listings = [listing for listing in doc.listings("request") if listing.entry.location in ("body", "query")]
    body, naming = doc.request_body_presence()
    unknown = doc.unknown_names("request") | naming
    for location, presence in (("body", body), ("query", doc.query_presence())):
        here = [listing for listing in listings if listing.entry.location == location]
        for name, found in sorted(presence.items()):
            if name in unknown:
                continue
            named = [listing for listing in here if doc_name(listing.item, location) == name]
            yield from _versioned(doc, UndocumentedRequestVersion, "request", name, found, doc.served, named,
                                  "accepted")


def _response_versions(doc: RouteDoc) -> Iterator[ReferenceFinding]:
    served = doc.contract.response_mask()
    listings = [listing for listing in doc.listings("response") if listing.entry.location == "body"]
    found, naming = doc.response_presence()
    unknown = doc.unknown_names("response") | naming
    for name, presence in sorted(found.items()):
        if name in unknown:
            continue
        named = [listing for listing in listings if listing.item.leaf == name]
        yield from _versioned(doc, UndocumentedResponseVersion, "response", name, presence, served, named, "set")


def _versioned(doc: RouteDoc, rule: type[Rule], kind: str, name: str, presence: Presence, served: int,
               listings: list[Listing], verb: str) -> Iterator[ReferenceFinding]:
    """RVL601/RVL602 for one name: missing, or its entry's versions disagree with the code."""
    from reviewlint.core.microversion import format_version

    space = doc.space
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
    route = doc.label
    if not listings:
        path, line = doc.list_site(kind, first if starts_late else last)
        span = f"from {format_version(first)}" if starts_late else f"up to {format_version(last)}"
        yield ReferenceFinding(path, line, rule.code, rule.message.format(
            route=route, name=name,
            problem=f"is {verb} {span} but is not among the route's {kind} parameters",
            evidence=doc.evidence(presence, first) if starts_late else doc.evidence(presence, last, after=True)))
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
                            f"{entry.key} {says}", evidence=doc.evidence(presence, expected)))
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
                            f"{entry.key} {says}", evidence=doc.evidence(presence, expected, after=True)))
    uncovered = present & ~covered
    if uncovered:
        low = space.lowest(uncovered)
        path, line = doc.list_site(kind, low)
        yield ReferenceFinding(path, line, rule.code, rule.message.format(
            route=route, name=name,
            problem=f"is {verb} at {space.describe(uncovered)}, where no {kind} section of the route lists it",
            evidence=doc.evidence(presence, low)))


# -- RVL603 -------------------------------------------------------------------------------------

def _unaccepted(doc: RouteDoc) -> Iterator[ReferenceFinding]:
    from reviewlint.analysis.route_doc import doc_name

    served = doc.served
    seen: set[tuple[Path, int]] = set()
    for listing in doc.listings("request"):
        location = listing.entry.location
        name = doc_name(listing.item, location or "")
        if location not in ("body", "query") or name is None or (listing.plist.path, listing.item.line) in seen:
            continue
        seen.add((listing.plist.path, listing.item.line))
        accepted, judged, schemas = doc.acceptance(listing, name)
        if accepted or judged & served != served:
            continue
        texts: list[str] = []
        for accepts in schemas:  # positions only now: a finding is certain
            text = doc.schema_text(accepts)
            if text not in texts:
                texts.append(text)
        rule = UnacceptedRequestParameter
        yield ReferenceFinding(listing.plist.path, listing.item.line, rule.code, rule.message.format(
            route=doc.label, name=listing.item.name, where=f"in: {location}", entry=listing.entry.key,
            schemas=", ".join(texts) or "none"))


# -- RVL604 -------------------------------------------------------------------------------------

def _heading_ranges(doc: RouteDoc) -> Iterator[ReferenceFinding]:
    # the reader's subsection kinds, imported here: a reference was read, so loading them costs nothing
    from reviewlint.service.reference_data import REQUEST, REQUEST_EXAMPLE, RESPONSE, RESPONSE_EXAMPLE

    if len(doc.sections) > 1:
        sections: list[tuple[object, Span | None, int, Path]] = [
            (s, s.span, s.title_line, s.path) for s in doc.sections]
        yield from _tiling(doc, "section", sections, doc.served, doc.served)
    for section, mask in doc.section_masks:
        for kind in (REQUEST, REQUEST_EXAMPLE, RESPONSE, RESPONSE_EXAMPLE):
            parts = [p for p in section.parts if p.kind == kind]
            spanned: list[tuple[object, Span | None, int, Path]] = [
                (p, p.span, p.line, section.path) for p in parts]
            needed = mask & ~doc.bodiless(section, mask, kind) if kind.endswith("example") else mask
            yield from _tiling(doc, f"{kind.capitalize()}", spanned, mask, needed)


def _tiling(doc: RouteDoc, kind: str, spanned: list, within: int, needed: int) -> Iterator[ReferenceFinding]:
    """Gaps in `needed` and overlaps among the ranged headings of one kind."""
    ranged = [(thing, span, line, path) for thing, span, line, path in spanned if span is not None]
    if not ranged or len(ranged) != len(spanned):
        # nothing versioned, or an unranged heading covers what the others leave
        ranged_only = ranged if len(ranged) != len(spanned) else []
        yield from _overlaps(doc, kind, ranged_only, within)
        return
    covered = 0
    for _, span, _, _ in ranged:
        covered |= doc.span_mask(span) & within
    yield from _overlaps(doc, kind, ranged, within)
    gaps = needed & ~covered
    for low, high in doc.space.runs(gaps):
        yield _gap(doc, kind, ranged, low, high, covered)


def _overlaps(doc: RouteDoc, kind: str, ranged: list, within: int) -> Iterator[ReferenceFinding]:
    ordered = sorted(ranged, key=lambda r: (str(r[3]), r[2]))
    for index, (thing, span, line, path) in enumerate(ordered):
        mine = doc.span_mask(span) & within
        for other, other_span, other_line, _ in ordered[:index]:
            both = mine & doc.span_mask(other_span)
            if both:
                rule = HeadingRangeGap
                yield ReferenceFinding(path, line, rule.code, rule.message.format(
                    route=doc.label, detail=f"{kind} heading {thing.title!r} overlaps {other.title!r} "
                                            f"(line {other_line}) at {doc.space.describe(both)}"))
                break


def _gap(doc: RouteDoc, kind: str, ranged: list, low: "Version", high: "Version", covered: int) -> ReferenceFinding:
    """A run of uncovered versions, reported at the heading that should have covered it."""
    from reviewlint.core.microversion import format_version

    space = doc.space
    changes = doc.changes
    after = space.lowest(space.above(high) & doc.served)
    before_heading = max((r for r in ranged if r[1].high is not None and r[1].high < low),
                         key=lambda r: r[1].high, default=None)
    after_heading = min((r for r in ranged if r[1].low > high), key=lambda r: r[1].low, default=None)
    if before_heading is not None and after_heading is not None:
        # The heading to move is the one on the side where the code does not change.
        blame = after_heading if (low in changes and after not in changes) else before_heading
    else:
        blame = before_heading or after_heading or ranged[0]
    gap = format_version(low) if low == high else f"{format_version(low)}..{format_version(high)}"
    context = f"the route serves {space.describe(doc.served)}"
    nearby = [v for v in sorted(changes) if low <= v <= high] or [v for v in (after,) if v in changes]
    if nearby:
        context += "; its behaviour changes at " + ", ".join(doc.change_text(v) for v in nearby)
    else:
        context += f"; the code behaves at {gap} as at the versions beside it"
    rule = HeadingRangeGap
    thing, _, line, path = blame
    return ReferenceFinding(path, line, rule.code, rule.message.format(
        route=doc.label, detail=f"{kind} headings cover {space.describe(covered)} and leave {gap} "
                                f"uncovered (next to {thing.title!r}); {context}"))


# -- engine hooks -------------------------------------------------------------------------------

def lint_reference(project: "Project", path: Path) -> list[Finding]:
    """The findings located in one reference file (the engine's hook for non-Python inputs; absolute paths)."""
    from reviewlint.service.reference_choice import is_reference_file

    if not is_reference_file(project, path):
        return []
    from reviewlint.core.config import resolve_path

    here = resolve_path(path)
    return [Finding(str(here), f.line, 0, f.code, f.message) for f in judge(project) if resolve_path(f.path) == here]


def lint_related(project: "Project", paths: Iterable[Path]) -> list[Finding]:
    """The reference's findings when a Python input the analysis reads (a handler, a schema) changed."""
    from reviewlint.analysis.route_inputs import reads_any, routes_changed_by
    from reviewlint.core.config import resolve_path
    from reviewlint.service.reference_choice import reference_directory

    inputs = {resolve_path(path) for path in paths}
    if not inputs or reference_directory(project) is None:
        return []
    if not reads_any(project, inputs):
        return []
    routes = routes_changed_by(project, inputs)
    return [Finding(str(f.path), f.line, 0, f.code, f.message) for f in judge(project)
            if f.route and (routes is None or f.route in routes)]
