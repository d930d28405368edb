"""RVL406/RVL407: a gate is tested for what it changes, not only reached.

Queries over two sets of facts: what each route accepts and returns at each
microversion (reviewlint.analysis.contract: request parameters from the
versioned schemas and query reads, response fields with the versions they
are written at) and what each functional test request sends and checks
(reviewlint.service.gabbi: its query parameter names, its body's keys, the
fields its `response_json_paths` name). A parameter the route accepts only
from X needs a test that sends it below X (RVL406); a field written only at
some versions needs a test that asserts it there (RVL407).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from reviewlint.core.config import resolve_path
from reviewlint.core.findings import Finding
from reviewlint.rules.base import LintContext, Rule
from reviewlint.analysis.route_contract import pattern_matches, query_accepting

if TYPE_CHECKING:
    from reviewlint.analysis.route_contract import RouteContract
    from reviewlint.analysis.summary import Scope
    from reviewlint.analysis.version_space import VersionSpace
    from reviewlint.core.microversion import Version
    from reviewlint.model.module import ModuleInfo, Site
    from reviewlint.model.project import Project
    from reviewlint.service.gabbi import TestRequest
    from reviewlint.service.routes import Route


_CREATE_WIDGET_ROUTES = '''
    from svc.handlers import widget

    ROUTE_DECLARATIONS = {
        '/widgets': {
            'POST': widget.create_widget,
        },
    }
'''


class UntestedNewParameter(Rule):
    """No functional test sends a request parameter below the microversion that introduced it.

    When a route accepts a body property or query parameter only from 1.38
    (the schema selected at 1.38 adds it, or the handler reads it only
    there), a client at 1.37 that sends it must get what 1.37 always gave:
    a 400 from the closed schema, or the parameter ignored. Placement pins
    that down with a test sending the new parameter one version early; a
    test that reaches the route below 1.38 without the parameter (what
    RVL404 asks for) does not show it. The parameter counts as sent when a
    test of the route below that version has it anywhere: in the query
    string, in `query_parameters`, or at any depth of its body (inline or
    from a `data: <@file`).
    """

    code = "RVL406"
    message = "request parameter {name} ({where}) is accepted only from {version}: no functional test sends it " \
              "to {uncovered}"
    location = "the schema entry or query read that accepts the parameter"
    bad = {
        "svc/schema.py": '''
            import copy

            POST_WIDGET = {
                'type': 'object',
                'properties': {'name': {'type': 'string'}},
                'additionalProperties': False,
            }
            POST_WIDGET_V1_2 = copy.deepcopy(POST_WIDGET)
            POST_WIDGET_V1_2['properties']['colour'] = {'type': 'string'}  # <-
        ''',
        "svc/handlers/widget.py": '''
            from svc import schema


            @wsgi_wrapper.PlacementWsgify
            @util.require_content('application/json')
            def create_widget(req):
                want_version = req.environ[microversion.MICROVERSION_ENVIRON]
                post_schema = schema.POST_WIDGET
                if want_version.matches((1, 2)):
                    post_schema = schema.POST_WIDGET_V1_2
                data = util.extract_json(req.body, post_schema)
                ...
        ''',
        "svc/handler.py": _CREATE_WIDGET_ROUTES,
        "svc/tests/functional/gabbits/widget.yaml": '''
            tests:
            - name: create a widget
              POST: /widgets
              request_headers:
                openstack-api-version: placement 1.1
              data:
                name: gear
              status: 201

            - name: create a coloured widget
              POST: /widgets
              request_headers:
                openstack-api-version: placement 1.2
              data:
                name: cog
                colour: red
              status: 201
        ''',
    }
    good = {"svc/tests/functional/gabbits/widget.yaml": '''
        tests:
        - name: create a widget
          POST: /widgets
          request_headers:
            openstack-api-version: placement 1.1
          data:
            name: gear
          status: 201

        - name: no colour before 1.2
          POST: /widgets
          request_headers:
            openstack-api-version: placement 1.1
          data:
            name: cog
            colour: red
          status: 400

        - name: create a coloured widget
          POST: /widgets
          request_headers:
            openstack-api-version: placement 1.2
          data:
            name: cog
            colour: red
          status: 201
    '''}

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        return _findings_here(self.code, ctx)


class UnassertedVersionedField(Rule):
    """No functional test asserts a response field in the microversions where it is written.

    A field that a route returns only from 1.4 (or only up to 1.11) is what
    the gate changed. A test that reaches the route at 1.4 and checks only
    the status (a policy test) passes whether the field is there, misnamed
    or missing. A test of the route inside the field's range must name it in
    `response_json_paths`, at any depth (`$.crates[0].shelf`), or in the
    object it expects there.
    """

    code = "RVL407"
    message = "response field {name} is written only {span}: no functional test asserts it in {uncovered}"
    location = "where the field is written"
    bad = {
        "svc/handlers/widget.py": '''
            @wsgi_wrapper.PlacementWsgify
            def show_widget(req):
                want_version = req.environ[microversion.MICROVERSION_ENVIRON]
                widget = widget_obj.get_by_uuid(util.wsgi_path_item(req.environ, 'uuid'))
                data = {'uuid': widget.uuid, 'name': widget.name}
                if want_version.matches((1, 2)):
                    data['colour'] = widget.colour  # <-
                req.response.json_body = data
                return req.response
        ''',
        "svc/handler.py": '''
            from svc.handlers import widget

            ROUTE_DECLARATIONS = {
                '/widgets/{uuid}': {
                    'GET': widget.show_widget,
                },
            }
        ''',
        "svc/tests/functional/gabbits/widget.yaml": '''
            tests:
            - name: show a widget
              GET: /widgets/$ENVIRON['WIDGET_UUID']
              request_headers:
                openstack-api-version: placement 1.1
              response_json_paths:
                $.name: gear

            - name: show a widget at 1.2
              GET: /widgets/$ENVIRON['WIDGET_UUID']
              request_headers:
                openstack-api-version: placement 1.2
              status: 200
        ''',
    }
    good = {"svc/tests/functional/gabbits/widget.yaml": '''
        tests:
        - name: show a widget
          GET: /widgets/$ENVIRON['WIDGET_UUID']
          request_headers:
            openstack-api-version: placement 1.1
          response_json_paths:
            $.name: gear

        - name: a widget has a colour from 1.2
          GET: /widgets/$ENVIRON['WIDGET_UUID']
          request_headers:
            openstack-api-version: placement 1.2
          response_json_paths:
            $.colour: red
    '''}

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        return _findings_here(self.code, ctx)


RULES: tuple[type[Rule], ...] = (UntestedNewParameter, UnassertedVersionedField)


# -- the judgement -----------------------------------------------------------------------------

@dataclass(frozen=True)
class ChangeFinding:
    """A finding of this family, its node named as data (positions are computed where it is reported)."""

    site: "Site"  # a resolved path and the node's ordinal
    code: str
    message: str
    routes: tuple[str, ...] = ()  # the labels of the routes it names (a changed gabbi file of one re-reports it)


@dataclass(frozen=True)
class Judgement:
    """Every finding, and how many versioned parameters and fields are tested (for `--show-project`)."""

    findings: tuple[ChangeFinding, ...]
    parameters: tuple[int, int]  # (sent below their first version, versioned request parameters)
    fields: tuple[int, int]  # (asserted in their range, versioned response fields)


@dataclass(frozen=True)
class _Change:
    """A parameter one route accepts only from some version, or a field it writes at only some.

    Plain data, kept in the cache per route: only the routes whose modules
    changed are analysed again.
    """

    code: str  # the rule that asks for its test
    site: "Site"  # what accepts the parameter or writes the field
    subject: tuple[str, ...]  # the message's words before the routes: (name, where, version) or (name, span)
    uncovered: str  # `POST /allocations at 1.13..1.37 (handler allocation.set_allocations)`
    route: str  # the route's label
    name: str
    versions: tuple["Version", ...]  # where a test must send it (below its version) or assert it (its range)
    patterns: tuple[str, ...] = ()  # for `xN`: the patternProperties keys that accept it

    def tested_by(self, request: "TestRequest") -> bool:
        """Whether a request of the route at one of `versions` sends the parameter or asserts the field."""
        if self.code == UnassertedVersionedField.code:
            return self.name in request.asserted
        names = request.query | request.body_keys  # in any form: query string or body, any depth
        if self.name in names:
            return True
        prefix = self.name[:-1]
        return any(name != prefix and pattern_matches(pattern, name)
                   for name in names if name.startswith(prefix) for pattern in self.patterns)


@dataclass(frozen=True)
class _Parameter:
    """A request parameter of one route: where it is accepted, and what accepts it at which versions."""

    name: str  # `resourcesN` for the numbered groups of a patternProperties key
    where: str  # "body" or "query"
    mask: int
    unknown: int  # versions where what the route accepts is not known
    evidence: tuple[tuple[int, Any], ...]  # (versions, an Acceptance or a QueryRead)
    patterns: tuple[str, ...] = ()  # for `xN`: the patternProperties keys that accept it


def judge(project: "Project", path: Path | None = None) -> Judgement:
    """Every RVL406/RVL407 finding of the project, or those in `path` (only the routes reaching it are read)."""
    from reviewlint.model.project import Codec

    codec: Codec[Judgement] = Codec(_encode, _decode)
    if path is None:
        return project.memo("rvl406:judgement", lambda: _judge(project, None), codec)
    return project.memo(f"rvl406:judgement:{path}", lambda: _judge(project, path), codec)


def _encode(judgement: Judgement) -> Any:
    return [[[str(f.site.path), f.site.ordinal, f.code, f.message, list(f.routes)] for f in judgement.findings],
            list(judgement.parameters), list(judgement.fields)]


def _decode(data: Any) -> Judgement:
    from reviewlint.model.module import Site

    found, parameters, fields = data
    return Judgement(tuple(ChangeFinding(Site(Path(path), int(ordinal)), str(code), str(message),
                                         tuple(map(str, routes)))
                           for path, ordinal, code, message, routes in found),
                     (int(parameters[0]), int(parameters[1])), (int(fields[0]), int(fields[1])))


def _routes(project: "Project", path: Path | None) -> list["Route"]:
    """The routes whose contracts may read `path` (every route when None or when that cannot be told)."""
    from reviewlint.analysis.reach import handlers_reaching
    from reviewlint.service.routes import route_table

    table = route_table(project)
    if table is None:
        return []
    reaching = handlers_reaching(project, path) if path is not None else None
    if reaching is None:
        return list(table.routes)
    targets = {ref.qualname for ref in reaching}
    return [route for route in table.routes if route.target in targets]


def _route_changes(project: "Project", route: "Route") -> tuple[_Change, ...]:
    """What one route changes across its versions, from its contract alone (cached per route)."""
    from reviewlint.model.project import Codec

    def build() -> tuple[_Change, ...]:
        from reviewlint.analysis.route_contract import contracts_of

        contract = contracts_of(project, [route]).get(route)
        return tuple(_RouteQuery(contract).changes()) if contract is not None and contract.mask else ()

    return project.memo(f"rvl406:route:{route.label}", build, Codec(_encode_changes, _decode_changes))


def _encode_changes(changes: tuple[_Change, ...]) -> Any:
    return [[c.code, str(c.site.path), c.site.ordinal, list(c.subject), c.uncovered, c.route, c.name,
             [list(v) for v in c.versions], list(c.patterns)] for c in changes]


def _decode_changes(data: Any) -> tuple[_Change, ...]:
    from reviewlint.model.module import Site

    return tuple(_Change(str(code), Site(Path(path), int(ordinal)), tuple(map(str, subject)), str(uncovered),
                         str(route), str(name), tuple((int(v[0]), int(v[1])) for v in versions),
                         tuple(map(str, patterns)))
                 for code, path, ordinal, subject, uncovered, route, name, versions, patterns in data)


def _has_changes(project: "Project") -> bool:
    from reviewlint.service.routes import route_table
    from reviewlint.service.versions import service_versions

    return route_table(project) is not None and service_versions(project) is not None


def _judge(project: "Project", path: Path | None) -> Judgement:
    from reviewlint.service.gabbi import functional_tests
    from reviewlint.service.routes import route_table

    table = route_table(project)
    if table is None or not _has_changes(project):
        return Judgement((), (0, 0), (0, 0))  # RVL400 says what is missing
    changes = [change for route in _routes(project, path) for change in _route_changes(project, route)]
    if path is not None:
        here = {(c.code, c.site, c.subject) for c in changes if c.site.path == path}
        changes = [c for c in changes if (c.code, c.site, c.subject) in here]
    if not changes:
        return Judgement((), (0, 0), (0, 0))
    tests = functional_tests(project)
    if not tests.requests:
        return Judgement((), (0, 0), (0, 0))
    # Once a run; what it reads (the route table, the tests) this memo read above, so it depends on them.
    by_route = project.analysis(_requests_by_route)
    gaps: dict[tuple[str, "Site", tuple[str, ...]], list[_Change]] = {}
    parameters = [0, 0]
    fields = [0, 0]
    for change in changes:
        counts = parameters if change.code == UntestedNewParameter.code else fields
        counts[1] += 1
        versions = set(change.versions)
        if any(request.version in versions and change.tested_by(request) for request in by_route.get(change.route, ())):
            counts[0] += 1
        else:
            gaps.setdefault((change.code, change.site, change.subject), []).append(change)
    found = sorted((_finding(same) for same in gaps.values()),
                   key=lambda f: (str(f.site.path), f.site.ordinal, f.code, f.message))
    return Judgement(tuple(found), (parameters[0], parameters[1]), (fields[0], fields[1]))


def _requests_by_route(project: "Project") -> "dict[str, list[TestRequest]]":
    """The functional test requests naming a version, by the label of each route they reach: once a run
    (flake8 judges file by file, each against every request)."""
    from reviewlint.service.gabbi import functional_tests
    from reviewlint.service.routes import route_table

    table = route_table(project)
    by_route: dict[str, list[TestRequest]] = {}
    for request in functional_tests(project).requests if table is not None else ():
        if request.version is not None:
            for route in table.match(request.method, request.segments):  # type: ignore[union-attr]
                by_route.setdefault(route.label, []).append(request)
    return by_route


def _finding(gaps: list[_Change]) -> ChangeFinding:
    """One finding for the gaps of one site and name: every route it leaves untested, in the message."""
    first = gaps[0]
    uncovered = " or ".join(sorted({gap.uncovered for gap in gaps}))
    if first.code == UntestedNewParameter.code:
        name, where, version = first.subject
        message = UntestedNewParameter.message.format(name=name, where=where, version=version, uncovered=uncovered)
    else:
        name, span = first.subject
        message = UnassertedVersionedField.message.format(name=name, span=span, uncovered=uncovered)
    return ChangeFinding(first.site, first.code, message, tuple(sorted({gap.route for gap in gaps})))


def _site(module: "ModuleInfo", node: Any) -> "Site":
    from reviewlint.model.module import Site

    return Site(resolve_path(module.path), module.ordinal(node))


class _RouteQuery:
    """One route's contract: the parameters and fields it has at only some of its versions."""

    def __init__(self, contract: "RouteContract") -> None:
        self.contract = contract
        self.space: VersionSpace = contract.space
        self.served = contract.mask
        self.route = contract.route.label

    def handler(self, version: "Version | None") -> str:
        """The handler definition serving `version`, as messages name it."""
        from reviewlint.service.handlers import handler_label

        index = self.space.versions.index(version) if version in self.space.versions else -1
        for definition in self.contract.definitions:
            if index >= 0 and definition.mask >> index & 1:
                return handler_label(definition.function)
        return handler_label(self.contract.definitions[0].function)

    # -- RVL406 -------------------------------------------------------------------------------
    def uncovered(self, mask: int, version: "Version | None") -> str:
        """`GET /crates at 1.4 (handler crate.list_crates)`: the route, the versions, its handler at `version`."""
        return f"{self.route} at {self.space.describe(mask)} (handler {self.handler(version)})"

    def changes(self) -> list[_Change]:
        """Every parameter accepted only from some version, and every field written at only some."""
        return [*self.parameters(), *self.fields()]

    def parameters(self) -> Iterator[_Change]:
        """Each parameter accepted only from a version the route follows (served below it)."""
        from reviewlint.core.microversion import format_version

        space = self.space
        for parameter in [*self.body_parameters(), *self.query_parameters()]:
            present = parameter.mask & self.served
            first = space.lowest(present)
            if first is None:
                continue
            below = self.served & space.below(first)
            if not below or below & parameter.unknown:
                continue  # the route starts there (RVL404's case), or what it accepted before is unknown
            evidence = next((what for mask, what in parameter.evidence if mask & present & -present), None)
            module, node = _parameter_site(evidence, parameter)
            if module is not None:
                yield _Change(UntestedNewParameter.code, _site(module, node),
                              (parameter.name, parameter.where, format_version(first)),
                              self.uncovered(below, space.highest(below)), self.route, parameter.name,
                              tuple(space.members(below)), parameter.patterns)

    def body_parameters(self) -> list[_Parameter]:
        groups = self.contract.body_schemas()
        unknown = 0
        for mask, accepts in groups:
            if accepts is None or not accepts.complete:
                unknown |= mask
        names = sorted({name for _, accepts in groups if accepts is not None for name in accepts.names})
        found = []
        for name in names:
            evidence = tuple((mask, accepts) for mask, accepts in groups
                             if accepts is not None and name in accepts.names)
            mask = 0
            for at, _ in evidence:
                mask |= at
            found.append(_Parameter(name, "body", mask, unknown & ~mask, evidence))
        return found

    def query_parameters(self) -> list[_Parameter]:
        groups = self.contract.query_schemas()
        reads = self.contract.query_reads()
        names, patterned, unschemed, unknown = self.contract.query_names()
        # `resourcesN`: names that only patterns stand for
        numbered = {name for name in patterned if name.endswith("N")} - names
        names |= patterned
        found = []
        for name in sorted(names):
            mask = 0
            evidence: list[tuple[int, Any]] = []
            patterns: set[str] = set()
            for at, accepts in groups:
                if accepts is None:
                    continue
                accepting = query_accepting(accepts, name)
                if accepting is not None:
                    mask |= at
                    evidence.append((at, accepts))
                    patterns.update(accepting)
            for read in reads:
                if read.name == name and read.mask & unschemed:
                    mask |= read.mask & unschemed
                    evidence.append((read.mask & unschemed, read))
            found.append(_Parameter(name, "query", mask, unknown & ~mask, tuple(evidence),
                                    tuple(sorted(patterns)) if name in numbered else ()))
        return found

    # -- RVL407 -------------------------------------------------------------------------------
    def fields(self) -> Iterator[_Change]:
        """Each response field written at only some of the versions at which the route returns a body."""
        response = self.contract.response_mask()
        for name, written in sorted(self.contract.fields().items()):
            mask = written.mask & response
            if not mask or mask == response:
                continue  # never returned, or at every version that returns a body
            sites = [(at, site) for at, site in written.sites if at & mask]
            gated = [(at, site) for at, site in sites if at & response != response]
            _, site = min(gated or sites, key=lambda pair: (str(pair[1].path), pair[1].module.ordinal(pair[1].node)))
            yield _Change(UnassertedVersionedField.code, _site(site.module, site.node),
                          (name, self.span(mask, response)), self.uncovered(mask, self.space.lowest(mask)),
                          self.route, name, tuple(self.space.members(mask)))

    def span(self, mask: int, response: int) -> str:
        """`from 1.4`, `up to 1.11`, or `at 1.2..1.3, 1.7`: where a field is written among the route's versions."""
        from reviewlint.core.microversion import format_version

        space = self.space
        runs = space.runs(mask)
        if len(runs) == 1:
            low, high = runs[0]
            if high == space.highest(response):
                return f"from {format_version(low)}"
            if low == space.lowest(response):
                return f"up to {format_version(high)}"
        return f"at {space.describe(mask)}"


def _parameter_site(evidence: Any, parameter: _Parameter) -> tuple["ModuleInfo | None", Any]:
    """(module, node) of what accepts a parameter: its schema entry, the schema, or the query read."""
    from reviewlint.analysis.route_contract import Acceptance
    from reviewlint.analysis.values import QueryRead

    if isinstance(evidence, QueryRead):
        return evidence.site.module, evidence.site.node
    if not isinstance(evidence, Acceptance) or evidence.schema is None:
        return None, None
    place = _schema_entry(evidence.schema.value, parameter)
    if place is not None:
        return place.module, place.node
    site = evidence.schema.site
    return (site.module, site.node) if site is not None else (None, None)


def _schema_entry(schema: Any, parameter: _Parameter) -> Any:
    """The Place of the literal a schema gives the parameter (`'colour': {...}`), if it is a dict."""
    from reviewlint.model.schemas import DictValue, ListValue

    keys = set(parameter.patterns) if parameter.patterns else {parameter.name}
    table_name = "patternProperties" if parameter.patterns else "properties"
    stack = [schema]
    seen: set[int] = set()
    while stack:
        value = stack.pop()
        if isinstance(value, ListValue):
            stack.extend(reversed(value.items))
            continue
        if not isinstance(value, DictValue) or id(value) in seen:
            continue
        seen.add(id(value))
        table = value.entries.get(table_name)
        if isinstance(table, DictValue):
            for key in keys:
                child = table.entries.get(key)
                if isinstance(child, DictValue):
                    return child.origin
        if parameter.where == "query":
            continue  # query parameters are the top level's only
        children: list[Any] = [entry for entry in value.entries.values() if isinstance(entry, (DictValue, ListValue))]
        for table_value in (value.entries.get("properties"), value.entries.get("patternProperties")):
            if isinstance(table_value, DictValue):
                children.extend(table_value.entries.values())
        stack.extend(reversed(children))
    return None


# -- engine hooks -------------------------------------------------------------------------------

def _findings_here(code: str, ctx: LintContext) -> Iterator[Finding]:
    for found in judge(ctx.project, ctx.path).findings:
        if found.code == code and found.site.path == ctx.path:
            line, col = ctx.position(found.site)
            yield ctx.finding(code, line, col, found.message, end=ctx.end(found.site))


def places(project: "Project", scope: "Scope") -> set[Path]:
    """Files this family reports in besides handler modules (schema modules, helpers that read or write),
    among the routes of `scope` (those reaching its file: their tests are read only if a change is there)."""
    path = resolve_path(scope.path) if scope.path is not None else None
    if path is not None and not (_has_changes(project) and any(
            change.site.path == path for route in _routes(project, path) for change in _route_changes(project, route))):
        return set()
    return {found.site.path for found in judge(project, path).findings}


def file_results(project: "Project", path: Path) -> None:
    """The judgement one file's findings rest on (the engine asks for it before the file's cached findings)."""
    from reviewlint.service.gabbi import refresh_functional_tests

    path = resolve_path(path)
    if not project.holds(f"rvl406:judgement:{path}") and _has_changes(project):
        # What it reads, read first: when the routes' changes and the tests are as they were, it
        # stands, and the tests are not decoded (see refresh_functional_tests).
        for route in _routes(project, path):
            _route_changes(project, route)
        refresh_functional_tests(project)
    judge(project, path)


def lint_yaml(project: "Project", path: Path) -> list[Finding]:
    """The findings naming a route the requests of a changed gabbi file reach (absolute paths).

    Deleting the test that sent a parameter one version early is a change
    to a gabbi file only: pre-commit passes that file alone, and the
    finding it causes sits in a schema or handler module.
    """
    from reviewlint.model.project import YAML_SUFFIXES
    from reviewlint.service.gabbi import functional_tests, is_test_file
    from reviewlint.service.routes import route_table

    if path.suffix not in YAML_SUFFIXES or not is_test_file(project, path):
        return []
    findings = judge(project).findings
    table = route_table(project)
    if not findings or table is None:
        return []
    resolved = resolve_path(path)
    touched = {route.label for request in functional_tests(project).requests_in(resolved)
               for route in table.match(request.method, request.segments)}
    return [Finding(str(f.site.path), *project.position(f.site), f.code, f.message)
            for f in findings if touched.intersection(f.routes)]
