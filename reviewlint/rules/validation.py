"""RVL2xx: validation of JSON request bodies."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import libcst as cst

from reviewlint.core.config import resolve_path
from reviewlint.core.findings import Finding
from reviewlint.analysis.flow import missing_schema
from reviewlint.model.module import Site, dotted, walk
from reviewlint.model.project import Codec, Project
from reviewlint.rules.base import LintContext, Rule
from reviewlint.analysis.summary import HandlerSummary, Scope, handler_summary, project_summaries, summaries_reaching
from reviewlint.model.facts import file_facts
from reviewlint.service.handlers import handlers_in

if TYPE_CHECKING:
    from reviewlint.model.facts import FunctionRef


def _reached_decodes(ctx: LintContext) -> list[tuple[Site, bool]]:
    """(site, validated) of the decodes of the handlers whose work can land in this file.

    A handler module's own handlers; for any other file, every handler that may reach it.
    """
    from reviewlint.service.handlers import handler_refs_in

    project = ctx.project
    own = list(handler_refs_in(project, ctx.path)) or _buffer_handler_refs(ctx)
    summaries = [handler_summary(project, ref) for ref in own] if own else summaries_reaching(project, ctx.path)
    return [decode for summary in summaries for decode in summary.decodes]


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
    message = "JSON body decoded here is never validated against a schema (use util.extract_json)"
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
        unvalidated = {site for site, validated in _reached_decodes(ctx) if not validated and ctx.is_here(site.path)}
        for site in sorted(unvalidated, key=ctx.position):
            line, col = ctx.position(site)
            yield ctx.finding(self.code, line, col, self.message, end=ctx.end(site))


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
    message = "extract_json() called with {what}: the body is not validated"
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
        for node in walk(ctx.module.tree):
            if not isinstance(node, cst.Call):
                continue
            name = dotted(node.func)
            what = missing_schema(node) if name is not None and name.rsplit(".", 1)[-1] == "extract_json" else None
            if what is None:
                continue
            if validated_later is None:
                validated_later = validated_extracts(summaries_reaching(ctx.project, ctx.path), ctx.path)
            if Site(ctx.path, ctx.module.ordinal(node)) in validated_later:
                continue
            line, col = ctx.module.position(node)
            yield ctx.finding(self.code, line, col, self.message.format(what=what), end=ctx.module.end_of(node))


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
    """Every open object of every request-body schema of the project's handlers (or those in `path`)."""
    reports: dict[Site, _OpenObjectReport] = {}
    summaries = project_summaries(project) if path is None else summaries_reaching(project, path)
    for summary in summaries:
        for found in summary.open_objects:
            if path is not None and resolve_path(found.site.path) != path:
                continue
            report = reports.setdefault(found.site, _OpenObjectReport(found.site, found.declares))
            report.paths.setdefault(found.schema, found.path)
            report.handlers.add(summary.label)
    return list(reports.values())


class OpenObjectSchema(Rule):
    """A request-body schema has an object that declares properties but allows any others.

    Without `"additionalProperties": False`, a typo in a field name is
    silently ignored instead of rejected, and clients come to depend on
    fields the API never promised to read. A schema a validation decorator
    checks a handler's body against (`@validation.schema(SCHEMA)`) is a
    request-body schema too.
    """

    code = "RVL203"
    message = ('schema {schema}: object at {path} declares {declares} without '
               '"additionalProperties": False; request body of {handlers}')
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
            message = self.message.format(schema=schema, path=report.paths[first], declares=report.declares,
                                          handlers=", ".join(sorted(report.handlers)))
            yield ctx.finding(self.code, line, col, message, end=ctx.end(report.site))


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
