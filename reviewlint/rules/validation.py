"""RVL2xx: validation of JSON request bodies."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import libcst as cst

from reviewlint.core.config import resolve_path
from reviewlint.core.findings import Finding
from reviewlint.analysis.request_terms import missing_schema
from reviewlint.model.module import Site, dotted, walk
from reviewlint.model.project import Codec, Project
from reviewlint.rules.base import LintContext, Rule, handlers_phrase
from reviewlint.analysis.summary import HandlerSummary, Scope, handler_summary, summaries_reaching
from reviewlint.model.facts import file_facts
from reviewlint.service.handlers import handler_refs, handlers_in, routed_label

if TYPE_CHECKING:
    from reviewlint.model.facts import FunctionRef


def _reaching_summaries(ctx: LintContext) -> list[HandlerSummary]:
    from reviewlint.service.handlers import handler_refs_in

    project = ctx.project
    own = list(handler_refs_in(project, ctx.path)) or _buffer_handler_refs(ctx)
    return [handler_summary(project, ref) for ref in own] if own else list(summaries_reaching(project, ctx.path))


def _buffer_handler_refs(ctx: LintContext) -> list["FunctionRef"]:
    """The handlers of a buffer the project's tree does not list (stdin, an unsaved file)."""
    from reviewlint.model.facts import ref_of

    facts = file_facts(ctx.project, ctx.path)
    if facts is None:
        return []
    handlers = {(function.name, function.index) for function in handlers_in(ctx.project, ctx.module)}
    return [ref_of(facts, fact) for fact in facts.functions if (fact.name, fact.index) in handlers]


class UnvalidatedJsonBody(Rule):
    """The request body is decoded as JSON and the result is never validated.

    Everything downstream then trusts a shape nobody checked: a missing key is
    a 500, an extra key is silently accepted, and the API's real contract is
    whatever the code happens to tolerate. Decode with
    `util.extract_json(req.body, SCHEMA)` or validate the decoded value:
    with `jsonschema.validate`, or by passing it to a function guarded by a
    validation decorator (`@validation.schema(SCHEMA)`), the way that
    decorator takes it (`body=data` when it validates `kwargs['body']`).
    """

    code = "RVL201"
    message = "JSON body decoded here for {handlers} is never validated against a schema (use util.extract_json)"
    location = "the decode"
    bad = {"svc/handlers/thing.py": '''
        @wsgi_wrapper.PlacementWsgify
        @util.require_content('application/json')
        def update_thing(req):
            data = jsonutils.loads(req.body)  # <-
    '''}
    good = {"svc/handlers/thing.py": '''
        @wsgi_wrapper.PlacementWsgify
        @util.require_content('application/json')
        def update_thing(req):
            data = util.extract_json(req.body, schema.PUT_THING)
    '''}

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        unvalidated: dict[Site, set[str]] = {}
        for summary in _reaching_summaries(ctx):
            for site, validated in summary.decodes:
                if not validated and ctx.is_here(site.path):
                    unvalidated.setdefault(site, set()).add(routed_label(ctx.project, summary.view.qualname,
                                                                         summary.label))
        for site in sorted(unvalidated, key=ctx.position):
            line, col = ctx.position(site)
            message = self.message.format(handlers=handlers_phrase(unvalidated[site]))
            yield ctx.finding(self.code, line, col, message, end=ctx.end(site))


class EmptyExtractJsonSchema(Rule):
    """`extract_json` is called with no schema, `None`, or an empty dict.

    `extract_json` then decodes without validating: the call looks safe in
    review but accepts any JSON at all. Not reported when what it decodes
    is validated after all, for every handler that reaches the call: passed
    to a function guarded by a validation decorator
    (`@validation.schema(S)` on `def create(context, body)`), or to
    `jsonschema.validate`.
    """

    code = "RVL202"
    message = "extract_json() called with {what}{handlers}: the body is not validated"
    location = "the call"
    bad = {"svc/handlers/thing.py": '''
        @wsgi_wrapper.PlacementWsgify
        @util.require_content('application/json')
        def update_thing(req):
            data = util.extract_json(req.body, {})  # <-
    '''}
    good = {"svc/handlers/thing.py": '''
        @wsgi_wrapper.PlacementWsgify
        @util.require_content('application/json')
        def update_thing(req):
            data = util.extract_json(req.body, schema.PUT_THING)
    '''}

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        if "extract_json" not in ctx.source:
            return
        validated_later: set[Site] | None = None
        reached_by: dict[Site, set[str]] = {}
        for node in walk(ctx.module.tree):
            if not isinstance(node, cst.Call):
                continue
            name = dotted(node.func)
            what = missing_schema(node) if name is not None and name.rsplit(".", 1)[-1] == "extract_json" else None
            if what is None:
                continue
            if validated_later is None:
                summaries = summaries_reaching(ctx.project, ctx.path)
                validated_later = validated_extracts(summaries, ctx.path)
                reached_by = _extracts_reached_by(ctx.project, summaries, ctx.path)
            site = Site(ctx.path, ctx.module.ordinal(node))
            if site in validated_later:
                continue
            handlers = f" for {handlers_phrase(reached_by[site])}" if site in reached_by else ""
            line, col = ctx.module.position(node)
            yield ctx.finding(self.code, line, col, self.message.format(what=what, handlers=handlers),
                              end=ctx.module.end_of(node))


def _extracts_reached_by(project: Project, summaries: Iterable[HandlerSummary], path: Path) -> dict[Site, set[str]]:
    """The labels of the handlers that reach each schemaless `extract_json` call in `path`."""
    reached: dict[Site, set[str]] = {}
    for summary in summaries:
        for site, _ in summary.extracts:
            if resolve_path(site.path) == path:
                label = routed_label(project, summary.view.qualname, summary.label)
                reached.setdefault(Site(path, site.ordinal), set()).add(label)
    return reached


def validated_extracts(summaries: Iterable[HandlerSummary], path: Path) -> set[Site]:
    """The schemaless `extract_json` calls in `path` whose decoded value every handler reaching them validates."""
    seen: dict[Site, bool] = {}
    for summary in summaries:
        for site, validated in summary.extracts:
            if resolve_path(site.path) == path:
                seen[site] = seen.get(site, True) and validated
    return {Site(path, site.ordinal) for site, validated in seen.items() if validated}


@dataclass
class _OpenObjectReport:
    site: Site
    declares: str
    paths: dict[str, str] = field(default_factory=dict)  # schema constant -> JSON path
    handlers: set[str] = field(default_factory=set)


def open_schema_objects(project: Project, path: Path | None = None) -> list[_OpenObjectReport]:
    """Every open object of every request-body schema of the project's handlers (or those in `path`).

    Each handler is named with the versions at which a schema holding the object validates its body.
    """
    from reviewlint.analysis.reach import handlers_reaching

    reports: dict[Site, _OpenObjectReport] = {}
    refs = handlers_reaching(project, path) if path is not None else None
    for ref in refs if refs is not None else handler_refs(project):
        summary = handler_summary(project, ref)
        for found in summary.open_objects:
            if path is not None and resolve_path(found.site.path) != path:
                continue
            report = reports.setdefault(found.site, _OpenObjectReport(found.site, found.declares))
            report.paths.setdefault(found.schema, found.path)
            versions = _in_force(project, ref).get(f"{found.site.path}:{found.site.ordinal}")
            label = routed_label(project, ref.qualname, summary.label)
            report.handlers.add(f"{label} at {versions}" if versions else label)
    return list(reports.values())


def _in_force(project: Project, ref: "FunctionRef") -> dict[str, str]:
    """`path:ordinal` of each open object of the handler's body schemas -> the versions it validates at.

    The route contract interpreter's view of the one handler: which schema is
    in force at which version (`if want_version.matches((1, 34)): schema = ...`).
    """
    def compute() -> dict[str, str]:
        from reviewlint.model.facts import resolve_function
        from reviewlint.analysis.route_contract import served_mask, version_space, walk_definition
        from reviewlint.model.schemas import open_objects
        from reviewlint.service.versions import service_versions

        service = service_versions(project)
        function = resolve_function(project, ref)
        if service is None or function is None:
            return {}
        space = version_space(service)
        served = served_mask(project, function, space)
        masks: dict[str, int] = {}
        facts, _ = walk_definition(project, function, space, served)
        for use in facts.every_body_schema():
            for item in open_objects(use.schema.value) if use.schema is not None else ():
                site = item.dict_value.origin.site
                key = f"{site.path}:{site.ordinal}"
                masks[key] = masks.get(key, 0) | (use.mask & served)
        return {key: space.describe(mask) for key, mask in masks.items() if mask}

    return project.memo(f"rvl2:in-force:{ref.key}", compute, Codec(dict, lambda data: dict(data)))


class OpenObjectSchema(Rule):
    """A request-body schema has an object that declares properties but allows any others.

    Without `"additionalProperties": False`, a typo in a field name is
    silently ignored instead of rejected, and clients come to depend on
    fields the API never promised to read. The message says which keys are
    accepted with any value and at which versions the schema is in force
    for each handler. The fix is the reader's: first admit every key that
    must stay valid (a key no pattern of `patternProperties` matches, such
    as an empty string the server itself returns, needs a property or a
    pattern of its own), then close the object. A schema a validation
    decorator checks a handler's body against (`@validation.schema(SCHEMA)`)
    is a request-body schema too.
    """

    code = "RVL203"
    message = ('schema {schema}: object at {path} accepts {keys}, with any value (no "additionalProperties"); '
               'in force for {handlers}')
    location = "the open object's dict literal in the schema module"
    bad = {
        "svc/schema.py": '''
            PUT_THING = {  # <-
                "type": "object",
                "properties": {"name": {"type": "string"}},
            }
        ''',
        "svc/handlers/thing.py": '''
            from svc import schema


            @wsgi_wrapper.PlacementWsgify
            @util.require_content('application/json')
            def update_thing(req):
                data = util.extract_json(req.body, schema.PUT_THING)
        ''',
    }
    good = {"svc/schema.py": '''
        PUT_THING = {
            "type": "object",
            "properties": {"name": {"type": "string"}},
            "additionalProperties": False,
        }
    '''}

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for report in _open_objects_in(ctx.project, ctx.path):
            line, col = ctx.position(report.site)
            # Name the schema where the object sits closest to the root, then the others.
            first = min(report.paths, key=lambda name: (len(report.paths[name]), name))
            others = sorted(set(report.paths) - {first})
            schema = f"{first} (also {', '.join(others)})" if others else first
            message = self.message.format(schema=schema, path=report.paths[first], keys=_KEYS[report.declares],
                                          handlers=handlers_phrase(report.handlers, shown=10))
            yield ctx.finding(self.code, line, col, message, end=ctx.end(report.site))


# What an open object accepts with any value, by what it declares.
_KEYS = {
    "properties": "keys other than its properties",
    "patternProperties": "keys that no pattern of its patternProperties matches",
    "properties and patternProperties": "keys that are not among its properties and that no pattern matches",
}


def _encode_reports(reports: list[_OpenObjectReport]) -> Any:
    return [[str(r.site.path), r.site.ordinal, r.declares, r.paths, sorted(r.handlers)] for r in reports]


def _decode_reports(data: Any) -> list[_OpenObjectReport]:
    return [_OpenObjectReport(Site(Path(path), int(ordinal)), str(declares), dict(paths), set(handlers))
            for path, ordinal, declares, paths, handlers in data]


_REPORTS = Codec(_encode_reports, _decode_reports)


def _open_objects_in(project: Project, path: Path) -> list[_OpenObjectReport]:
    """The open objects in one file: only the handlers that may reach it are summarised."""
    return project.memo(f"rvl2:open_objects:{path}", lambda: open_schema_objects(project, path), _REPORTS)


def file_results(project: Project, path: Path) -> None:
    """This family's results for one file that rest on other files (the engine asks for them first)."""
    _open_objects_in(project, path)


def places(project: Project, scope: Scope) -> set[Path]:
    """Files this family may report in besides handler modules: helpers' decodes and extracts, schema modules."""
    summaries = scope.summaries()
    found = {site.path for summary in summaries for site, _ in summary.decodes + summary.extracts}
    found.update(resolve_path(report.site.path) for summary in summaries for report in summary.open_objects)
    return found


RULES: tuple[type[Rule], ...] = (UnvalidatedJsonBody, EmptyExtractJsonSchema, OpenObjectSchema)
