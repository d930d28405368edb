"""RVL4xx: microversions and their tests.

The project model gives the routes (routes.py), the declared versions and
the history document (versions.py), the functional test requests (gabbi.py)
and the gates with the handlers that reach them (gates.py). This module
judges coverage per (gate, handler) pair: inside the gate's range (RVL401)
and across each boundary (RVL404).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from reviewlint.core.config import resolve_path
from reviewlint.core.findings import Finding
from reviewlint.rules.base import LintContext, Rule
from reviewlint.model.project import Codec

if TYPE_CHECKING:
    from reviewlint.service.gabbi import FunctionalTests
    from reviewlint.analysis.gates import Gate
    from reviewlint.analysis.summary import Scope
    from reviewlint.model.project import Project
    from reviewlint.service.routes import Route, RouteTable
    from reviewlint.service.versions import HistoryDocument, ServiceVersions
    from reviewlint.core.microversion import Version, VersionRange


# Example files shared by several rules' examples (documentation, linted by tests/test_examples.py).
_LIST_WIDGETS_ROUTES = '''
    from svc.handlers import widget

    ROUTE_DECLARATIONS = {
        '/widgets': {
            'GET': widget.list_widgets,
        },
    }
'''


class CoverageUnavailable(Rule):
    """The project lacks routes, `VERSIONS` or functional tests, so gate coverage cannot be judged.

    Coverage needs all three: the routes to know which requests reach which
    handler, `VERSIONS` to know what a range means, and the gabbi tests to
    know what is exercised. Said once instead of on every gate; point the
    `routes`, `versions` or `functional-tests` config keys at them if they
    live somewhere unusual.
    """

    code = "RVL400"
    severity = "note"
    message = "cannot check microversion coverage: {missing}"
    location = "line 1 of the first handler module"
    bad = {
        "svc/handlers/widget.py": '''
            """Widget handlers."""  # <-


            @wsgi_wrapper.PlacementWsgify
            @microversion.version_handler('1.2')
            def list_widgets(req):
                ...
        ''',
        "svc/handler.py": _LIST_WIDGETS_ROUTES,
    }
    good = {"svc/tests/functional/gabbits/widget.yaml": '''
        tests:
        - name: list widgets
          GET: /widgets
          request_headers:
            openstack-api-version: placement 1.2
    '''}

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        from reviewlint.service.handlers import first_handler_path
        from reviewlint.analysis.summary import gates_in, project_gates

        if first_handler_path(ctx.project) != ctx.path:
            return
        if not gates_in(ctx.project, ctx.path) and not project_gates(ctx.project):  # its own first: cheaper
            return
        missing = ctx.project.memo("rvl400:missing", lambda: model(ctx.project).missing(), _STRINGS)  # no decode
        if missing:
            yield ctx.finding(self.code, 1, 0, self.message.format(missing=", ".join(missing)))


class UntestedGate(Rule):
    """No functional test runs the gated code of a handler at a version where it applies.

    A microversion gate changes what a route returns. When no gabbi test
    asks for that route at a version inside the gate's range, the new
    behaviour ships untested: a typo in the serializer or a reversed
    condition is found by the first client, not by the gate job. Each route
    must be tested on its own, because each handler reaching the gate may
    break in its own way. A request counts when its method and URL match a
    route of the handler and its version lies in the part of the gate's
    range where that handler runs; a handler no route leads to is skipped.
    The range is the condition as written: `not V.matches((1, 26))` has the
    range 1.26 and later, and RVL404 checks the other side.
    """

    code = "RVL401"
    message = "microversion gate {gate} is untested in its range: no functional test of {uncovered}"
    location = "the gate (decorator or comparison)"
    bad = {
        "svc/handlers/widget.py": '''
            @wsgi_wrapper.PlacementWsgify
            def list_widgets(req):
                want_version = req.environ[microversion.MICROVERSION_ENVIRON]
                widgets = widget_obj.get_all(req.environ['placement.context'])
                if want_version.matches((1, 2)):  # <-
                    return {'widgets': widgets, 'count': len(widgets)}
                return {'widgets': widgets}
        ''',
        "svc/handler.py": _LIST_WIDGETS_ROUTES,
        "svc/tests/functional/gabbits/widget.yaml": '''
            tests:
            - name: list widgets
              GET: /widgets
              request_headers:
                openstack-api-version: placement 1.1
        ''',
    }
    good = {"svc/tests/functional/gabbits/widget.yaml": '''
        tests:
        - name: list widgets
          GET: /widgets
          request_headers:
            openstack-api-version: placement 1.1
          response_json_paths:
            $.widgets: []

        - name: widgets are counted from 1.2
          GET: /widgets
          request_headers:
            openstack-api-version: placement 1.2
          response_json_paths:
            $.count: 0
    '''}

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        return _gate_findings(self.code, ctx)


class UndeclaredVersion(Rule):
    """A gate names a microversion that `VERSIONS` does not declare.

    The gate can never be reached as intended (a version above the latest
    is refused with 406), or `VERSIONS` was not bumped with the change.
    Coverage is not judged for such a gate until the versions agree.
    """

    code = "RVL402"
    severity = "error"
    message = "microversion gate {gate} names {versions}, which VERSIONS does not declare ({declared})"
    location = "the gate"
    bad = {
        "svc/handlers/widget.py": '''
            @wsgi_wrapper.PlacementWsgify
            def list_widgets(req):
                want_version = req.environ[microversion.MICROVERSION_ENVIRON]
                if want_version.matches((1, 3)):  # <-
                    ...
        ''',
        "svc/microversion.py": '''
            MICROVERSION_ENVIRON = 'svc.microversion'

            VERSIONS = [
                '1.0',
                '1.1',
                '1.2',
            ]
        ''',
    }
    good = {"svc/microversion.py": '''
        MICROVERSION_ENVIRON = 'svc.microversion'

        VERSIONS = [
            '1.0',
            '1.1',
            '1.2',
            '1.3',
        ]
    '''}

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        return _gate_findings(self.code, ctx)


class UndocumentedVersion(Rule):
    """A version at which a gate changes behaviour has no section in the version history.

    `rest_api_version_history.rst` is what users read to learn what a
    microversion changed. A behaviour change without a section there is
    invisible to them. A section is a heading that starts with the version
    (`1.30 - Provide a /reshaper resource`). Without a history document
    (see `reviewlint --show-project`) this rule says nothing.
    """

    code = "RVL403"
    message = "microversion gate {gate} changes behaviour at {versions}, which {document} does not document"
    location = "the gate"
    bad = {
        "svc/handlers/widget.py": '''
            @wsgi_wrapper.PlacementWsgify
            def list_widgets(req):
                want_version = req.environ[microversion.MICROVERSION_ENVIRON]
                if want_version.matches((1, 2)):  # <-
                    ...
        ''',
        "svc/rest_api_version_history.rst": '''
            1.0 - Initial version
            ~~~~~~~~~~~~~~~~~~~~~

            1.1 - Widgets have a colour
            ~~~~~~~~~~~~~~~~~~~~~~~~~~~
        ''',
    }
    good = {"svc/rest_api_version_history.rst": '''
        1.0 - Initial version
        ~~~~~~~~~~~~~~~~~~~~~

        1.1 - Widgets have a colour
        ~~~~~~~~~~~~~~~~~~~~~~~~~~~

        1.2 - Count the widgets
        ~~~~~~~~~~~~~~~~~~~~~~~

        ``GET /widgets`` returns their number as ``count``.
    '''}

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        return _gate_findings(self.code, ctx)


class UntestedBoundary(Rule):
    """The far side of a gate boundary is untested.

    Testing only the new behaviour does not show that the old one survived:
    a gate written `>=` instead of `>`, or a new handler that also answers
    below its first version, passes every test at the new version. A test
    on the other side of each boundary (for a `version_handler`, usually the
    404 or 405 before the route existed) pins the old behaviour down.
    """

    code = "RVL404"
    message = "microversion gate {gate}: the far side of its boundary at {boundary} is untested: " \
              "no functional test of {uncovered}"
    location = "the gate"
    bad = {
        "svc/handlers/widget.py": '''
            @wsgi_wrapper.PlacementWsgify
            @microversion.version_handler('1.2')  # <-
            def list_widgets(req):
                ...
        ''',
        "svc/handler.py": _LIST_WIDGETS_ROUTES,
        "svc/tests/functional/gabbits/widget.yaml": '''
            tests:
            - name: list widgets
              GET: /widgets
              request_headers:
                openstack-api-version: placement 1.2
        ''',
    }
    good = {"svc/tests/functional/gabbits/widget.yaml": '''
        tests:
        - name: no widgets before 1.2
          GET: /widgets
          request_headers:
            openstack-api-version: placement 1.1
          status: 404

        - name: list widgets
          GET: /widgets
          request_headers:
            openstack-api-version: placement 1.2
    '''}

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        return _gate_findings(self.code, ctx)


class DeadRoute(Rule):
    """A route names a handler that the project does not define.

    A dead route answers every request with a 500 (or an import error at
    start-up), and it also hides the route from coverage: no handler, no
    gate, no test is ever tied to it, so RVL401/RVL404 say nothing about a
    route that may be the one that matters. A renamed or moved handler, a
    typo, or a module the project cannot resolve are the usual causes.
    """

    code = "RVL405"
    severity = "error"
    message = "route {route} names {target}, which the project does not define: no handler serves it"
    location = "the route's handler in the routes module"
    bad = {
        "svc/handlers/widget.py": '''
            @wsgi_wrapper.PlacementWsgify
            def list_widgets(req):
                ...
        ''',
        "svc/handler.py": '''
            from svc.handlers import widget

            ROUTE_DECLARATIONS = {
                '/widgets': {
                    'GET': widget.list_widget,  # <-
                },
            }
        ''',
    }
    good = {"svc/handler.py": '''
        from svc.handlers import widget

        ROUTE_DECLARATIONS = {
            '/widgets': {
                'GET': widget.list_widgets,
            },
        }
    '''}

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        from reviewlint.model.module import Site
        from reviewlint.service.routes import route_table, unresolved_routes

        table = route_table(ctx.project)
        if table is None or table.path != ctx.path:
            return
        for route in unresolved_routes(ctx.project):
            line, col = ctx.position(Site(table.path, route.ordinal))
            yield ctx.finding(self.code, line, col, self.message.format(route=route.label, target=route.target))


RULES: tuple[type[Rule], ...] = (
    CoverageUnavailable, UntestedGate, UndeclaredVersion, UndocumentedVersion, UntestedBoundary, DeadRoute,
)


# -- the analysis ------------------------------------------------------------------------

@dataclass(frozen=True)
class GateFinding:
    """A finding about a gate, before its position is computed."""

    code: str
    gate: "Gate"
    message: str


@dataclass(frozen=True)
class Model:
    """What coverage needs, as found in the project."""

    routes: "RouteTable | None"
    versions: "ServiceVersions | None"
    tests: "FunctionalTests"
    history: "HistoryDocument | None"
    # What is not absent but unknown: a module that may hold it cannot be analysed (its RVL900 says why).
    routes_unknown: bool = False
    versions_unknown: bool = False

    def missing(self) -> list[str]:
        """What the project lacks for coverage, as a reader would say it (not what is only unknown)."""
        missing = []
        if self.routes is None and not self.routes_unknown:
            missing.append("no routes module (no module-level ROUTE_DECLARATIONS, nor a sequence of "
                           "(template, {method: handler}) pairs)")
        if self.versions is None and not self.versions_unknown:
            missing.append("no VERSIONS list")
        if not self.tests.requests and not self.tests.problems:
            missing.append("no functional tests (YAML under a gabbits/ directory of a test package)")
        return missing


_STRINGS: Codec[list[str]] = Codec(list, lambda data: [str(item) for item in data])


def _read_first(project: "Project") -> None:
    """What the judgement reads, read first so that, unchanged, its cached result stands: the model, its
    functional tests only where a test file changed (see refresh_functional_tests)."""
    from reviewlint.service.gabbi import refresh_functional_tests
    from reviewlint.service.routes import route_table
    from reviewlint.service.unknown import routes_unknown, versions_unknown
    from reviewlint.service.versions import history_document, service_versions

    route_table(project), service_versions(project), history_document(project)
    routes_unknown(project), versions_unknown(project)
    refresh_functional_tests(project)


def model(project: "Project") -> Model:
    """The routes, versions, tests and history document of the project."""
    from reviewlint.service.gabbi import functional_tests
    from reviewlint.service.routes import route_table
    from reviewlint.service.unknown import routes_unknown, versions_unknown
    from reviewlint.service.versions import history_document, service_versions

    return Model(route_table(project), service_versions(project), functional_tests(project),
                 history_document(project), routes_unknown(project), versions_unknown(project))


class Coverage:
    """Which versions the functional tests request on each route.

    `unreadable` holds the text of each test file with a test that cannot be
    read (RVL901 there): what it requests is unknown, so a route one of the
    paths in that text fits (at any method and version) counts as tested
    rather than as untested. A file with no text at all (too large, not a
    regular file) holds no test anyone runs: it counts for nothing.
    """

    def __init__(self, routes: "RouteTable", tests: "FunctionalTests", unreadable: Iterable[str] = ()) -> None:
        from reviewlint.service.gabbi import path_segments

        self.versions: dict[Route, list[Version]] = defaultdict(list)
        for request in tests.requests:
            if request.version is None:
                continue
            for route in routes.match(request.method, request.segments):
                self.versions[route].append(request.version)
        self.unknown: set[Route] = set()
        for text in unreadable:
            for found in _PATH_IN_TEXT.finditer(text):
                segments = path_segments(found.group(0).rstrip("'\"]),:"))
                if segments is not None:
                    self.unknown.update(route for route in routes.routes if route.matches(route.method, segments))

    def tested(self, routes: Iterable["Route"], versions: "VersionRange") -> bool:
        """True when some test requests one of `routes` at a version in `versions` (or may: see above)."""
        return any(route in self.unknown or any(v in versions for v in self.versions.get(route, ()))
                   for route in routes)


# A path in a test file's text: `/traits/CUSTOM_X`, `/resource_providers/$ENVIRON['RP_UUID']/traits`.
# One character class, so finding them is linear in the text; quotes and brackets that close
# the YAML value around it are stripped after.
_PATH_IN_TEXT = re.compile(r"(?<![\w$.])/[^\s#,]*")


def _coverage(project: "Project") -> Coverage | None:
    """Which versions the tests request on each route, when there are routes and tests."""
    from reviewlint.core.source import UnreadableSource

    facts = model(project)
    if facts.routes is None or not (facts.tests.requests or facts.tests.problems):
        return None
    unreadable: list[str] = []
    # A YAML file that is no gabbi file holds no test: nothing of it is unknown.
    for path in sorted({p.path for p in facts.tests.problems if not p.reason.startswith("not a gabbi file")}):
        try:
            unreadable.append(project.source(path))
        except UnreadableSource:
            continue
    return Coverage(facts.routes, facts.tests, unreadable)


def _routes_text(routes: Iterable["Route"], versions: "VersionRange") -> str:
    return " or ".join(route.label for route in routes) + f" at {versions}"


def _versions_text(versions: Iterable["Version"]) -> str:
    from reviewlint.core.microversion import format_version

    return ", ".join(format_version(v) for v in versions)


def judge(project: "Project", gates: "tuple[Gate, ...] | None" = None) -> dict[Path, list[GateFinding]]:
    """Every RVL401–RVL404 finding of the project (or of `gates`), by the resolved path of its gate."""
    from reviewlint.analysis.summary import project_gates

    found: dict[Path, list[GateFinding]] = defaultdict(list)
    if gates is None:
        gates = project_gates(project)
    if not gates:
        return found
    facts = model(project)
    service = facts.versions
    if service is None:
        return found
    coverage = project.analysis(_coverage)  # once a run: each file's gates are judged on their own
    for gate in gates:
        for code, message in _judge_gate(gate, service, facts, coverage):
            found[gate.path].append(GateFinding(code, gate, message))
    return found


def _judge_gate(gate: "Gate", service: "ServiceVersions", facts: Model,
                coverage: Coverage | None) -> Iterable[tuple[str, str]]:
    """(code, message) of each RVL401-RVL404 finding of one gate, in the order of the codes' checks."""
    gate_range = gate.range(service)
    if gate_range is None:
        yield from _undeclared(gate, service)
        return
    if gate_range.empty:
        return
    if facts.history is not None:
        yield from _undocumented(gate, gate_range, service, facts.history)
    if coverage is not None and facts.routes is not None:
        yield from _untested(gate, gate_range, service, facts.routes, coverage)
        yield from _untested_boundaries(gate, gate_range, service, facts.routes, coverage)


def _undeclared(gate: "Gate", service: "ServiceVersions") -> Iterable[tuple[str, str]]:
    """RVL402: the gate names a version VERSIONS does not declare."""
    undeclared = [v for v in gate.named if not service.declares(v)]
    yield UndeclaredVersion.code, UndeclaredVersion.message.format(
        gate=gate.describe(), versions=_versions_text(undeclared), declared=service.all)


def _undocumented(gate: "Gate", gate_range: "VersionRange", service: "ServiceVersions",
                  history: "HistoryDocument") -> Iterable[tuple[str, str]]:
    """RVL403: a version where the gate changes behaviour has no section in the history document."""
    changes = []
    if gate_range.low > service.minimum:
        changes.append(gate_range.low)
    after = service.after(gate_range.high)
    if after is not None:
        changes.append(after)
    undocumented = [v for v in changes if not history.documents(v)]
    if undocumented:
        yield UndocumentedVersion.code, UndocumentedVersion.message.format(
            gate=gate.describe(), versions=_versions_text(undocumented), document=history.path.name)


def _untested(gate: "Gate", gate_range: "VersionRange", service: "ServiceVersions", routes: "RouteTable",
              coverage: Coverage) -> Iterable[tuple[str, str]]:
    """RVL401: no gabbi test requests a routed handler of the gate at a version inside the gate."""
    uncovered: list[str] = []
    for handler in gate.handlers:
        handler_routes = routes.routes_of_target(handler.qualname)
        if not handler_routes:
            continue  # not routed: no request can reach it, and saying so is not this rule's job
        inside = gate_range.intersect(handler.versions(service))
        if not inside.empty and not coverage.tested(handler_routes, inside):
            uncovered.append(_routes_text(handler_routes, inside))
    if uncovered:
        yield UntestedGate.code, UntestedGate.message.format(gate=gate.describe(), uncovered="; ".join(uncovered))


def _untested_boundaries(gate: "Gate", gate_range: "VersionRange", service: "ServiceVersions",
                         routes: "RouteTable", coverage: Coverage) -> Iterable[tuple[str, str]]:
    """RVL404: no gabbi test requests a routed handler of the gate on the far side of a boundary."""
    from reviewlint.core.microversion import format_version

    far: dict[Version, list[str]] = defaultdict(list)
    for handler in gate.handlers:
        handler_routes = routes.routes_of_target(handler.qualname)
        if not handler_routes:
            continue
        own = handler.versions(service)
        around = service.all if gate.form == "version_handler" else own
        for boundary, far_side in _boundaries(gate_range, around, service):
            if not coverage.tested(handler_routes, far_side):
                far[boundary].append(_routes_text(handler_routes, far_side))
    for boundary, texts in sorted(far.items()):
        yield UntestedBoundary.code, UntestedBoundary.message.format(
            gate=gate.describe(), boundary=format_version(boundary), uncovered="; ".join(texts))


def _boundaries(gate_range: "VersionRange", around: "VersionRange", service: "ServiceVersions"
                ) -> Iterable[tuple["Version", "VersionRange"]]:
    """(boundary B, far side) for each boundary checked.

    RULES.md RVL404: B is MIN or the version after MAX, checked when both B
    and the version before it lie in `around`; the far side is the part of
    `around` on the other side of B from the gated code.
    """
    from reviewlint.core.microversion import VersionRange

    low = gate_range.low
    before = service.before(low)
    if before is not None and low in around and before in around:
        yield low, VersionRange(around.low, before)
    after = service.after(gate_range.high)
    if after is not None and after in around and gate_range.high in around:
        yield after, VersionRange(after, around.high)


def _encode_results(results: dict[Path, list[GateFinding]]) -> Any:
    return [[str(path), [[r.code, r.gate.to_data(), r.message] for r in found]] for path, found in results.items()]


def _decode_results(data: Any) -> dict[Path, list[GateFinding]]:
    from reviewlint.analysis.gates import Gate

    return {Path(path): [GateFinding(str(code), Gate.from_data(gate), str(message)) for code, gate, message in found]
            for path, found in data}


def _results(project: "Project") -> dict[Path, list[GateFinding]]:
    from reviewlint.model.project import Codec

    from reviewlint.analysis.summary import project_gates

    _read_first(project)  # what the judgement reads first: unchanged, it stands
    project_gates(project)
    return project.memo("rvl4:findings", lambda: dict(judge(project)), Codec(_encode_results, _decode_results))


def _results_in(project: "Project", path: Path) -> list[GateFinding]:
    """The findings of the gates in one file: only the handlers that may reach it are summarised."""
    from reviewlint.model.project import Codec

    from reviewlint.analysis.summary import gates_in

    _read_first(project)  # what the judgement reads first: unchanged, it stands
    gates_in(project, path)
    return project.memo(f"rvl4:findings:{path}", lambda: judge(project, gates_in(project, path)).get(path, []),
                        Codec(lambda found: _encode_results({path: found}),
                              lambda data: _decode_results(data).get(path, [])))


def file_results(project: "Project", path: Path) -> None:
    """This family's results for one file that rest on other files (the engine asks for them first)."""
    _results_in(project, path)


def _gate_findings(code: str, ctx: LintContext) -> Iterable[Finding]:
    for result in _results_in(ctx.project, ctx.path):
        if result.code == code:
            line, col = ctx.position(result.gate.site)
            yield ctx.finding(code, line, col, result.message, end=ctx.end(result.gate.site))


def places(project: "Project", scope: "Scope") -> set[Path]:
    """Files this family may report in besides handler modules: those holding gates, the routes module."""
    from reviewlint.service.routes import route_table

    table = route_table(project)
    return {gate.path for gate in scope.gates()} | ({table.path} if table is not None else set())


def lint_yaml(project: "Project", path: Path) -> list[Finding]:
    """Findings for a functional test file (the engine's hook for YAML inputs), named by absolute path.

    RVL901 when it does not parse; and the findings of every gate its
    requests touch (a route of a handler that reaches the gate), located at
    the gate, so a changed gabbi file re-checks what it tests (pre-commit
    passes only the changed files). The engine places them and applies the
    gates' files' `# noqa`.
    """
    from reviewlint.service.gabbi import functional_tests, is_test_file
    from reviewlint.model.project import YAML_SUFFIXES
    from reviewlint.core.problems import malformed

    if path.suffix not in YAML_SUFFIXES or not is_test_file(project, path):
        return []
    tests = functional_tests(project)
    found = [malformed(str(path), "functional test file", p.reason, p.line, p.col) for p in tests.problems_in(path)]
    return found + _touched_gate_findings(project, resolve_path(path))


def _touched_gate_findings(project: "Project", path: Path) -> list[Finding]:
    results = _results(project)
    if not results:
        return []  # the usual case: nothing to re-report, so no route matching either
    targets = project.memo("rvl4:touched", lambda: _touched_targets(project)).get(path, set())
    return [Finding(str(gate_path), *project.position(r.gate.site), r.code, r.message)
            for gate_path, gate_results in results.items() for r in gate_results
            if any(handler.qualname in targets for handler in r.gate.handlers)]


def _touched_targets(project: "Project") -> dict[Path, set[str]]:
    """For each test file, the handlers (dotted names) its requests reach by route."""
    from reviewlint.service.gabbi import functional_tests

    facts = model(project)
    touched: dict[Path, set[str]] = defaultdict(set)
    if facts.routes is not None:
        for request in functional_tests(project).requests:
            touched[request.path].update(route.target for route in facts.routes.match(request.method,
                                                                                      request.segments))
    return touched
