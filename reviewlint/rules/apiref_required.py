"""RVL605: a parameter's `required` against the code at its section's versions.

The judging of rules/apiref.py's other RVL6xx rules, for one more question.
Each documented body or query request parameter of a route whose
`parameters.yaml` entry says `required: true` or `false` is compared with the
`required` lists of the request schemas in force where the listing documents
it (the route contract's `Acceptance.required`/`optional`). Only a verdict
every schema in force agrees on is compared; an unknown schema, a name under
`anyOf`/`oneOf`, or a name required in one object and optional in another
says nothing. Each documented response body field is compared with whether
the code writes it on every path that builds its object, or only on some
(analysis/response_presence.py); a field neither surely always nor surely
sometimes there says nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from reviewlint.rules.base import Rule

if TYPE_CHECKING:
    from reviewlint.analysis.route_contract import Acceptance, RouteContract
    from reviewlint.service.reference_data import ListedParameter, ParameterEntry, Reference


_ROUTES = '''
    from svc.handlers import widget

    ROUTE_DECLARATIONS = {
        '/widgets': {
            'POST': widget.create_widget,
        },
    }
'''

_INC = '''
    Create widget
    =============

    .. rest_method:: POST /widgets

    Request
    -------

    .. rest_parameters:: parameters.yaml

      - name: widget_name
      - colour: widget_colour

    Response
    --------

    .. rest_parameters:: parameters.yaml

      - uuid: widget_uuid
'''


class RequiredMismatch(Rule):
    """A parameter's `required` disagrees with the code at the section's versions.

    Request: the schema in force requires a body property (its object's
    `required` list names it) or a query parameter that the reference
    documents as `required: false`, or the reference says `required: true` of
    one no schema requires: clients leave out what the service refuses to
    miss, or send what they need not. Only schemas fully known are judged; a
    name under `anyOf`/`oneOf`, in an object combining schemas, or required in
    one object and optional in another, says nothing. Response: the handler
    (or a serializer it calls) writes a body field wherever it builds the
    object holding it, and the reference says `required: false`; or it writes
    it only on some paths (one branch of an `if` it cannot decide, the other
    branch going on without it) and the reference says `required: true`:
    clients guard against what is always there, or read what may be missing.
    A field written in a loop, merged in by `update`, or written where
    another write may cover the missing path, says nothing. Nested properties
    and fields are judged in their own object, as the reference documents
    them. Reported at the `.inc` line, or once at the `parameters.yaml` entry
    when every use of the entry is wrong.
    """

    code = "RVL605"
    message = "{route}: {side} parameter {name} ({where}, entry {entry}) is documented as required: {says} " \
              "at {versions}, but {what}"
    location = ("the `.inc` line of the parameter (request or response), or the parameters.yaml entry when every "
                "use of it is wrong")
    bad = {
        "svc/handlers/widget.py": '''
            from oslo_serialization import jsonutils

            from svc import schema


            @wsgi_wrapper.PlacementWsgify
            @util.require_content('application/json')
            def create_widget(req):
                data = util.extract_json(req.body, schema.POST_WIDGET)
                uuid = req.environ['svc.context'].widgets.create(data)
                req.response.body = jsonutils.dump_as_bytes({'uuid': uuid})
                return req.response
        ''',
        "svc/handler.py": _ROUTES,
        "svc/schema.py": '''
            POST_WIDGET = {
                'type': 'object',
                'properties': {
                    'name': {'type': 'string'},
                    'colour': {'type': 'string'},
                },
                'required': ['name', 'colour'],
                'additionalProperties': False,
            }
        ''',
        "api-ref/source/widgets.inc": _INC,
        "api-ref/source/parameters.yaml": '''
            widget_colour:
              type: string
              in: body
              required: false  # <-
              description: The colour of the widget.
            widget_name:
              type: string
              in: body
              required: true
              description: The name of the widget.
            widget_uuid:
              type: string
              in: body
              required: false  # <-
              description: The uuid of the widget.
        ''',
    }
    good = {"api-ref/source/parameters.yaml": '''
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
    '''}


RULES: tuple[type[Rule], ...] = (RequiredMismatch,)


@dataclass(frozen=True)
class Drift:
    """One documented parameter whose `required` the code contradicts."""

    path: Path  # the `.inc` file
    line: int  # the item's line
    entry: "ParameterEntry"
    route: str
    name: str
    mask: int  # the versions judged
    what: str  # what the code does, for the message
    side: str = "request"


def required_drifts(route: str, contract: "RouteContract", listings: Callable[[str], Iterable[Any]],
                    doc_name: Callable[["ListedParameter", str], str | None],
                    schema_text: Callable[["Acceptance"], str], rel: Callable[[Path], str]) -> Iterator[Drift]:
    """The route's documented parameters whose `required` the code contradicts: `listings(kind)` are
    rules/apiref.py's `_Listing`s of the route's parts of that kind, `rel` names a file for messages."""
    yield from request_drifts(route, contract, listings("request"), doc_name, schema_text)
    yield from response_drifts(route, contract, listings("response"), rel)


def response_drifts(route: str, contract: "RouteContract", listings: Iterable[Any], rel: Callable[[Path], str]
                    ) -> Iterator[Drift]:
    """The route's documented response body fields written on every path but documented as optional, or
    written only on some but documented as required (analysis/response_presence.py), at the listing's versions."""
    from reviewlint.analysis.response_presence import field_presence

    cut = contract.unknown()
    presence = None
    for listing in listings:
        item, plist, entry, mask = listing.item, listing.plist, listing.entry, listing.mask & contract.mask
        if entry.location != "body" or entry.required is None or item.leaf is None or not mask or mask & cut:
            continue
        presence = field_presence(contract) if presence is None else presence
        found = presence.get(item.leaf)
        if found is None or not found.mask & mask:
            continue  # not written there: RVL602's question
        if entry.required is False and found.always & mask == mask:
            sites = ", ".join(dict.fromkeys(f"{rel(w.site.path)}:{w.site.line}" for w in found.writes
                                            if w.definite and w.mask & mask))
            what = f"it is written wherever its object is built ({sites})"
        elif entry.required is True and found.sometimes & found.mask & mask == found.mask & mask:
            mask &= found.mask
            skipped = [w for w in found.writes if w.skip & mask and w.guard is not None]
            what = "it is written only on some paths: " + "; ".join(dict.fromkeys(
                f"{rel(w.site.path)}:{w.site.line}, which the other branch of `if {w.guard.code}:` "
                f"({rel(w.guard.path)}:{w.guard.line}) skips" for w in skipped if w.guard is not None))
        else:
            continue
        yield Drift(plist.path, item.line, entry, route, item.name, mask, what, "response")


def request_drifts(route: str, contract: "RouteContract", listings: Iterable[Any],
                   doc_name: Callable[["ListedParameter", str], str | None],
                   schema_text: Callable[["Acceptance"], str]) -> Iterator[Drift]:
    """The route's documented body and query parameters whose `required` disagrees with every schema in force.

    `listings` are rules/apiref.py's `_Listing`s of the route's Request parts; `doc_name` names each as the code would.
    """
    cut = contract.unknown()
    groups = {"body": contract.body_schemas(), "query": contract.query_schemas()}
    for listing in listings:
        item, plist, entry, mask = listing.item, listing.plist, listing.entry, listing.mask & contract.mask
        name = doc_name(item, entry.location or "")
        if entry.location not in groups or entry.required is None or name is None or not mask or mask & cut:
            continue
        verdict = _verdict(name, groups[entry.location], mask)
        if verdict is None or verdict[0] == entry.required:
            continue
        required, judged, schemas = verdict
        texts = ", ".join(dict.fromkeys(schema_text(accepts) for accepts in schemas))
        what = f"it is required by {texts}" if required else f"no schema in force requires it ({texts})"
        yield Drift(plist.path, item.line, entry, route, name, judged, what)


def _verdict(name: str, groups: "list[tuple[int, Acceptance | None]]", mask: int
             ) -> "tuple[bool, int, list[Acceptance]] | None":
    """(whether every schema in force at `mask` that has `name` requires it, where, which); None: not known."""
    seen: set[bool] = set()
    judged = 0
    schemas = []
    for at, accepts in groups:
        at &= mask
        if not at:
            continue
        if accepts is None or not accepts.complete:
            return None
        if name not in accepts.names:
            continue  # not accepted there: RVL601/RVL603's question
        if name not in accepts.required and name not in accepts.optional:
            return None
        seen.add(name in accepts.required)
        judged |= at
        schemas.append(accepts)
    return (seen.pop(), judged, schemas) if len(seen) == 1 else None


def placed(ref: "Reference", drifts: list[Drift], describe: Callable[[int], str]
           ) -> Iterator[tuple[Path, int, str, str, str]]:
    """(path, line, code, message, route) of each drift: at the `.inc` line, or once at the entry every use of
    which drifts (its route: the first route that uses it)."""
    uses: dict[tuple[Path, str], set[tuple[Path, int]]] = {}
    for section in ref.sections:
        for part in section.parts:
            for plist in part.lists:
                for item in plist.items:
                    uses.setdefault((plist.source, item.key), set()).add((plist.path, item.line))
    by_entry: dict[tuple[Path, str], list[Drift]] = {}
    for drift in drifts:
        by_entry.setdefault((drift.entry.path, drift.entry.key), []).append(drift)
    rule = RequiredMismatch
    for key, here in by_entry.items():
        entry = here[0].entry
        if {(d.path, d.line) for d in here} == uses.get(key, set()):
            mask = 0
            for drift in here:
                mask |= drift.mask
            yield entry.path, entry.required_line or entry.line, rule.code, rule.message.format(
                route=", ".join(dict.fromkeys(d.route for d in here)), name=here[0].name, side=here[0].side,
                where=f"in: {entry.location}", entry=entry.key, says=str(entry.required).lower(),
                versions=describe(mask), what="; ".join(dict.fromkeys(d.what for d in here))), here[0].route
            continue
        for drift in here:
            yield drift.path, drift.line, rule.code, rule.message.format(
                route=drift.route, name=drift.name, side=drift.side, where=f"in: {entry.location}", entry=entry.key,
                says=str(entry.required).lower(), versions=describe(drift.mask), what=drift.what), drift.route
