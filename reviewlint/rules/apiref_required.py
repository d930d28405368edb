"""RVL605: a request parameter's `required` against the schemas in force at its section's versions.

The judging of rules/apiref.py's other RVL6xx rules, for one more question:
each documented body or query parameter of a route whose `parameters.yaml`
entry says `required: true` or `false` is compared with the `required` lists
of the request schemas in force where the listing documents it (the route
contract's `Acceptance.required`/`optional`). Only a verdict every schema in
force agrees on is compared; an unknown schema, a name under `anyOf`/`oneOf`,
or a name required in one object and optional in another says nothing. The
response side (a field written on every path or only on some) is not judged.
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
'''


class RequiredMismatch(Rule):
    """A request parameter's `required` disagrees with the request schema at the section's versions.

    The schema in force requires a body property (its object's `required`
    list names it) or a query parameter that the reference documents as
    `required: false`, or the reference says `required: true` of one no
    schema requires: clients leave out what the service refuses to miss, or
    send what they need not. Nested properties are judged in their own
    object, as the reference documents them. Only schemas fully known are
    judged; a name under `anyOf`/`oneOf`, in an object combining schemas, or
    required in one object and optional in another, says nothing. Reported at
    the `.inc` line, or once at the `parameters.yaml` entry when every use of
    the entry is wrong. Response fields are not judged.
    """

    code = "RVL605"
    message = "{route}: request parameter {name} ({where}, entry {entry}) is documented as required: {says} " \
              "at {versions}, but {what}"
    location = "the `.inc` line of the parameter, or the parameters.yaml entry when every use of it is wrong"
    bad = {
        "svc/handlers/widget.py": '''
            from svc import schema


            @wsgi_wrapper.PlacementWsgify
            @util.require_content('application/json')
            def create_widget(req):
                data = util.extract_json(req.body, schema.POST_WIDGET)
                ...
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
    '''}


RULES: tuple[type[Rule], ...] = (RequiredMismatch,)


@dataclass(frozen=True)
class Drift:
    """One documented request parameter whose `required` the schemas in force contradict."""

    path: Path  # the `.inc` file
    line: int  # the item's line
    entry: "ParameterEntry"
    route: str
    name: str
    mask: int  # the versions judged
    what: str  # what the code does, for the message


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
                route=", ".join(dict.fromkeys(d.route for d in here)), name=here[0].name,
                where=f"in: {entry.location}", entry=entry.key, says=str(entry.required).lower(),
                versions=describe(mask), what="; ".join(dict.fromkeys(d.what for d in here))), here[0].route
            continue
        for drift in here:
            yield drift.path, drift.line, rule.code, rule.message.format(
                route=drift.route, name=drift.name, where=f"in: {entry.location}", entry=entry.key,
                says=str(entry.required).lower(), versions=describe(drift.mask), what=drift.what), drift.route
