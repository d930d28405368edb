"""RVL2xx: validation of JSON request bodies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import libcst as cst

from reviewlint.findings import Finding
from reviewlint.flow import Place, Site, analyzer_for
from reviewlint.module import dotted, walk
from reviewlint.project import Project
from reviewlint.rules.base import LintContext, Rule, handler_label, own_handlers
from reviewlint.schemas import evaluator_for, open_objects


def _reached_flows(ctx: LintContext) -> list:
    """Flows of the handlers whose work can land in this file."""
    analyzer = analyzer_for(ctx.project)
    own = own_handlers(ctx)
    for handler in own or ctx.project.handlers():
        analyzer.handler_flow(handler)
    return analyzer.flows()


class UnvalidatedJsonBody(Rule):
    """The request body is decoded as JSON and the result is never validated.

    Everything downstream then trusts a shape nobody checked: a missing key is
    a 500, an extra key is silently accepted, and the API's real contract is
    whatever the code happens to tolerate. Decode with
    `util.extract_json(req.body, SCHEMA)` or validate the decoded value.
    """

    code = "RVL201"
    message = "JSON body decoded here is never validated against a schema (use util.extract_json)"
    location = "the decode"
    bad = '''
        @wsgi_wrapper.PlacementWsgify
        @util.require_content('application/json')
        def update_thing(req):
            data = jsonutils.loads(req.body)
    '''
    good = '''
        @wsgi_wrapper.PlacementWsgify
        @util.require_content('application/json')
        def update_thing(req):
            data = util.extract_json(req.body, schema.PUT_THING)
    '''

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        unvalidated: set[Site] = set()
        for flow in _reached_flows(ctx):
            for decode in flow.decodes:
                if not decode.validated and ctx.is_here(decode.place.module.path):
                    unvalidated.add(decode.place.site)
        for site in sorted(unvalidated, key=lambda site: (site.line, site.col)):
            yield ctx.finding(self.code, site.line, site.col, self.message)


class EmptyExtractJsonSchema(Rule):
    """`extract_json` is called with no schema, `None`, or an empty dict.

    `extract_json` then decodes without validating: the call looks safe in
    review but accepts any JSON at all.
    """

    code = "RVL202"
    message = "extract_json() called with {what}: the body is not validated"
    location = "the call"
    bad = '''
        data = util.extract_json(req.body, {})
    '''
    good = '''
        data = util.extract_json(req.body, schema.PUT_THING)
    '''

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        if "extract_json" not in ctx.source:
            return
        for node in walk(ctx.module.tree):
            if isinstance(node, cst.Call):
                finding = self._check_call(ctx, node)
                if finding is not None:
                    yield finding

    def _check_call(self, ctx: LintContext, node: cst.Call) -> Finding | None:
        name = dotted(node.func)
        if name is None or name.rsplit(".", 1)[-1] != "extract_json":
            return None
        schema = None
        positional = [a for a in node.args if a.keyword is None and not a.star]
        keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
        if "schema" in keywords:
            schema = keywords["schema"]
        elif len(positional) > 1:
            schema = positional[1].value
        elif any(a.star for a in node.args):
            return None  # *args may carry the schema: say nothing
        what = None
        if schema is None:
            what = "no schema"
        elif isinstance(schema, cst.Name) and schema.value == "None":
            what = "schema None"
        elif isinstance(schema, cst.Dict) and not schema.elements:
            what = "an empty schema {}"
        if what is None:
            return None
        line, col = ctx.module.position(node)
        return ctx.finding(self.code, line, col, self.message.format(what=what))


@dataclass
class _OpenObjectReport:
    place: Place
    declares: str
    paths: dict[str, str] = field(default_factory=dict)  # schema constant -> JSON path
    handlers: set[str] = field(default_factory=set)


def open_schema_objects(project: Project) -> list[_OpenObjectReport]:
    """Every open object of every request-body schema of the project's handlers."""
    analyzer = analyzer_for(project)
    evaluator = evaluator_for(project)
    reports: dict[Place, _OpenObjectReport] = {}
    for handler in project.handlers():
        flow = analyzer.handler_flow(handler)
        for use in flow.schemas:
            value = evaluator.evaluate(use.module, use.expr)
            constant = evaluator.constant_name(use.module, use.expr)
            for found in open_objects(value):
                entries = found.dict_value.entries
                declares = " and ".join(k for k in ("properties", "patternProperties") if k in entries)
                report = reports.setdefault(found.dict_value.origin,
                                            _OpenObjectReport(found.dict_value.origin, declares))
                report.paths.setdefault(constant, found.path)
                report.handlers.add(handler_label(handler))
    return list(reports.values())


class OpenObjectSchema(Rule):
    """A request-body schema has an object that declares properties but allows any others.

    Without `"additionalProperties": False`, a typo in a field name is
    silently ignored instead of rejected, and clients come to depend on
    fields the API never promised to read.
    """

    code = "RVL203"
    message = ('schema {schema}: object at {path} declares {declares} without '
               '"additionalProperties": False; request body of {handlers}')
    location = "the open object's dict literal in the schema module"
    bad = '''
        PUT_THING = {
            "type": "object",
            "properties": {"name": {"type": "string"}},
        }
    '''
    good = '''
        PUT_THING = {
            "type": "object",
            "properties": {"name": {"type": "string"}},
            "additionalProperties": False,
        }
    '''

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        reports = ctx.project.analysis("open_schema_objects", open_schema_objects)
        for report in reports:
            if not ctx.is_here(report.place.module.path):
                continue
            site = report.place.site
            # Name the schema where the object sits closest to the root, then the others.
            first = min(report.paths, key=lambda name: (len(report.paths[name]), name))
            others = sorted(set(report.paths) - {first})
            schema = f"{first} (also {', '.join(others)})" if others else first
            message = self.message.format(schema=schema, path=report.paths[first], declares=report.declares,
                                          handlers=", ".join(sorted(report.handlers)))
            yield ctx.finding(self.code, site.line, site.col, message)


def prepare(project: Project) -> None:
    """Project-wide work: every handler's flow and every open schema object."""
    analyzer = analyzer_for(project)
    for handler in project.handlers():
        analyzer.handler_flow(handler)
    project.analysis("open_schema_objects", open_schema_objects)


RULES: tuple[type[Rule], ...] = (UnvalidatedJsonBody, EmptyExtractJsonSchema, OpenObjectSchema)
