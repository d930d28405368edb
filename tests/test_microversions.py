"""RVL4xx: the project model (routes, versions, gabbi tests, history, gates) and the rules.

Each case under reviewlint/fixtures/cases/rvl4/ is a tiny Placement-style
project with an expected.txt; the cases run through the in-process harness,
one through the real CLI and one through the real flake8. The model pieces
are tested directly on small inputs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import CASES, Command, case_dirs, expected_of, findings_of, run_cli, run_flake8
from harness import cli, lint_lines, lint_tree
from reviewlint.service import gabbi
from reviewlint.core.config import Config
from reviewlint.model.project import Project
from reviewlint.core.microversion import VersionRange, parse_version
from reviewlint.service.versions import history_sections
from reviewlint.service.handlers import handler_refs

RVL4_CASES = case_dirs("rvl4")
KIOSK = gabbi.VersionContext("kiosk", (1, 0), (1, 9))


def project_at(root: Path, **config: object) -> Project:
    return Project(root, Config(**config))  # type: ignore[arg-type]


# -- the case projects ---------------------------------------------------------------------

def test_every_rvl4_code_has_a_case() -> None:
    codes = {code for case in RVL4_CASES for _, _, code in expected_of(case / "expected.txt")}
    assert {"RVL400", "RVL401", "RVL402", "RVL403", "RVL404", "RVL406", "RVL407", "RVL901"} <= codes
    assert len(RVL4_CASES) == 10


@pytest.mark.parametrize("case", RVL4_CASES, ids=lambda p: p.name)
def test_each_case_reports_exactly_the_expected_findings(case: Path) -> None:
    assert lint_tree(case) == expected_of(case / "expected.txt")


# The family's agreement tests through the real binaries: the CLI on the case
# whose YAML it reads too, flake8 (Python files only) on the case with most gates.
def test_cli_reports_exactly_the_expected_findings() -> None:
    case = CASES / "rvl4" / "gabbi_forms"
    result = run_cli(".", cwd=case)
    assert result.stderr == ""
    assert result.returncode == 1
    assert sorted(findings_of(result.stdout)) == expected_of(case / "expected.txt")


def test_flake8_reports_the_python_findings() -> None:
    case = CASES / "rvl4" / "gate_forms"
    result = run_flake8("--select", "RVL", ".", cwd=case)
    assert result.stderr == ""
    python_rows = [row for row in expected_of(case / "expected.txt") if row[0].endswith(".py")]
    assert sorted(findings_of(result.stdout)) == python_rows


def test_flake8_on_stdin_reports_a_helper_module_gate(flake8: Command) -> None:
    case = CASES / "rvl4" / "gate_forms"
    source = (case / "kiosk/render.py").read_text()
    result = flake8("--select", "RVL", "--stdin-display-name", "kiosk/render.py", "-", cwd=case, stdin=source)
    assert findings_of(result.stdout) == [("kiosk/render.py", 10, "RVL401"), ("kiosk/render.py", 18, "RVL401")]


def test_cli_on_stdin_uses_the_buffer_not_the_disk() -> None:
    case = CASES / "rvl4" / "boundaries"
    source = (case / "kiosk/handlers/widget.py").read_text().replace("matches((1, 5))", "matches((1, 9))")
    rows = lint_tree(case, stdin=("kiosk/handlers/widget.py", source))
    assert ("kiosk/handlers/widget.py", 16, "RVL404") in rows
    # matches((1, 9)): 1.9 is tested, and so is 1.0..1.8 (at 1.5): silent now.
    assert ("kiosk/handlers/widget.py", 10, "RVL404") not in rows


def test_messages_name_the_range_the_boundary_and_the_routes() -> None:
    lines = lint_lines(CASES / "rvl4" / "handler_pairs")
    assert ("kiosk/handlers/shelf.py:15:8: RVL401 microversion gate >= 1.3 is untested in its range: "
            "no functional test of PUT /shelves/{uuid} at 1.3..1.4") in lines
    assert ("kiosk/handlers/root.py:11:8: RVL401 microversion gate >= 1.2 is untested in its range: "
            "no functional test of GET / or GET '' at 1.2..1.9") in lines
    lines = lint_lines(CASES / "rvl4" / "boundaries")
    assert ("kiosk/handlers/widget.py:24:8: RVL404 microversion gate 1.2..1.4: the far side of its boundary "
            "at 1.5 is untested: no functional test of GET /widgets/{uuid}/size at 1.5..1.9") in lines
    lines = lint_lines(CASES / "rvl4" / "undeclared")
    assert ("kiosk/handlers/lamp.py:23:1: RVL402 microversion gate 1.2..1.11 names 1.11, which VERSIONS "
            "does not declare (1.0..1.9)") in lines
    lines = lint_lines(CASES / "rvl4" / "history")
    assert ("kiosk/handlers/bell.py:13:8: RVL403 microversion gate 1.2..1.6 changes behaviour at 1.7, "
            "which rest_api_version_history.rst does not document") in lines
    lines = lint_lines(CASES / "rvl4" / "no_routes_no_versions")
    assert lines == ["kiosk/handlers/alarm.py:1:1: RVL400 cannot check microversion coverage: "
                     "no routes module (no module-level ROUTE_DECLARATIONS, nor a sequence of "
                     "(template, {method: handler}) pairs), no VERSIONS list"]


def test_a_yaml_file_named_alone_reports_its_own_problem() -> None:
    case = CASES / "rvl4" / "gabbi_forms"
    lines = lint_lines(case, "kiosk/tests/functional/gabbits/broken.yaml")
    assert ("kiosk/tests/functional/gabbits/broken.yaml", 7, "RVL901") in findings_of("\n".join(lines))
    assert any("did not find expected key" in line for line in lines)


def test_a_changed_gabbi_file_rechecks_the_gates_it_touches() -> None:
    case = CASES / "rvl4" / "boundaries"
    assert lint_tree(case, "kiosk/tests/functional/gabbits/widgets.yaml") == expected_of(case / "expected.txt")
    # Linting the whole tree reports each gate once, not once more per test file.
    assert len(lint_lines(case)) == 4


def test_a_gabbi_buffer_on_stdin_wins_over_the_file() -> None:
    case = CASES / "rvl4" / "gabbi_forms"
    name = "kiosk/tests/functional/gabbits/forms.yaml"
    unskipped = (case / name).read_text().replace("skip: the 1.5 behaviour is not written yet", "xfail: false")
    rows = lint_tree(case, stdin=(name, unskipped))
    assert ("kiosk/handlers/thing.py", 55, "RVL401") not in rows  # the skipped test now counts
    assert ("kiosk/handlers/thing.py", 95, "RVL401") in rows
    rows = lint_tree(case, stdin=(name, "tests: [\n"))
    assert rows == [(name, 1, "RVL901")]  # the end of the stream, shown on the last line


def test_noqa_on_the_gate_line_hides_the_finding(tmp_path: Path) -> None:
    case = shutil.copytree(CASES / "rvl4" / "boundaries", tmp_path / "case")
    widget = case / "kiosk/handlers/widget.py"
    widget.write_text(widget.read_text().replace("# tested at 1.5 and 1.9, never below", "# noqa: RVL404"))
    for target in (".", "kiosk/tests/functional/gabbits/widgets.yaml"):
        rows = lint_tree(case, target)
        assert ("kiosk/handlers/widget.py", 10, "RVL404") not in rows
        assert ("kiosk/handlers/widget.py", 16, "RVL404") in rows


@pytest.mark.parametrize("path", ["stall/schemas.py", "stall/handlers/item.py"])
def test_each_file_alone_gets_its_rvl406_rvl407_findings(path: str) -> None:
    # An editor's save: a schema module and a handler module asked about alone, cold.
    case = CASES / "rvl4" / "tested_changes"
    expected = [row for row in expected_of(case / "expected.txt") if row[0] == path]
    assert expected and lint_tree(case, path, cold=True) == expected


def test_a_changed_gabbi_file_rechecks_the_changes_it_tests(tmp_path: Path) -> None:
    # pre-commit passes only the changed gabbi file: the findings of the routes it tests come again.
    case = shutil.copytree(CASES / "rvl4" / "tested_changes", tmp_path / "case")
    gabbi_file = case / "stall/tests/functional/gabbits/items.yaml"
    assert lint_tree(case, "stall/tests/functional/gabbits/items.yaml") == expected_of(case / "expected.txt")
    text = gabbi_file.read_text()
    start = text.index("- name: sort is refused before 1.3")
    gabbi_file.write_text(text[:start] + text[text.index("- name: list items sorted"):])
    assert ("stall/schemas.py", 38, "RVL406") in lint_tree(case, "stall/tests/functional/gabbits/items.yaml")
    (case / "stall/tests/functional/gabbits/other.yaml").write_text("tests:\n- {name: x, GET: /shelves}\n")
    assert lint_tree(case, "stall/tests/functional/gabbits/other.yaml") == []  # reaches no route with a gap


def test_show_project_says_how_many_changes_are_tested() -> None:
    lines = cli(CASES / "rvl4" / "tested_changes", "--show-project", ".").stdout.splitlines()
    assert ("  tested for what they change: 3 of 6 versioned request parameters sent below their first version "
            "(RVL406), 2 of 3 versioned response fields asserted in their range (RVL407)") in lines
    lines = cli(CASES / "rvl4" / "no_tests", "--show-project", ".").stdout.splitlines()
    assert "  tested for what they change: not checked (RVL400)" in lines


def test_show_project_prints_the_model() -> None:
    result = cli(CASES / "rvl4" / "gabbi_forms", "--show-project", ".")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("root: ") and lines[0].endswith("gabbi_forms")
    assert lines[1] == ("routes: kiosk/handler.py (kiosk.handler), ROUTE_DECLARATIONS (a dict of templates to "
                        "{method: handler}), 15 routes, 15 resolve to handlers")
    assert lines[2] == ("versions: kiosk/microversion.py (kiosk.microversion), 1.0..1.9 (10 versions), "
                        "service type 'kiosk'")
    assert lines[3:5] == ["handler modules (1):", "  kiosk/handlers/thing.py"]
    assert lines[5] == ("functional tests: 4 files, 29 requests (1 left out with an unknown URL, 1 skipped, "
                        "2 malformed)")
    assert lines[6] == "  kiosk/tests/functional/gabbits/ (4 files)"
    assert lines[7] == "version history: kiosk/rest_api_version_history.rst (10 sections)"
    assert lines[8] == "microversion gates: 14"


# -- the gabbi reader -------------------------------------------------------------------------

def read(text: str) -> tuple[list[gabbi.TestRequest], int, int, list[gabbi.YamlProblem]]:
    return gabbi.read_test_file(Path("t.yaml"), text, KIOSK)


def test_defaults_and_case_insensitive_headers() -> None:
    requests, *_ = read("""
defaults:
  request_headers:
    OpenStack-API-Version: kiosk 1.5
tests:
- {name: a, GET: /x}
- {name: b, GET: /x, request_headers: {openstack-api-version: kiosk 1.2}}
- {name: c, GET: /x, request_headers: {OPENSTACK-API-VERSION: kiosk latest}}
""")
    assert [r.version for r in requests] == [(1, 5), (1, 2), (1, 9)]


def test_no_header_means_the_minimum_and_other_services_do_not_count() -> None:
    requests, *_ = read("""
tests:
- {name: a, GET: /x}
- {name: b, GET: /x, request_headers: {openstack-api-version: compute 2.60}}
- {name: c, GET: /x, request_headers: {openstack-api-version: "compute 2.1, kiosk 1.4"}}
- {name: d, GET: /x, request_headers: {openstack-api-version: kiosk pony.horse}}
""")
    assert [r.version for r in requests] == [(1, 0), (1, 0), (1, 4), None]


def test_forms_of_method_and_url() -> None:
    requests, left_out, skipped, problems = read("""
tests:
- {name: a, url: /x}
- {name: b, url: /x, method: delete}
- {name: c, PUT: /x/y}
- {name: d, POST: /x, skip: not yet}
- {name: e, GET: '/x?a=1&b=/c#frag'}
- {name: f, GET: 'http://example.com:8080/x/z?q'}
""")
    assert [(r.method, r.segments) for r in requests] == [
        ("GET", ("", "x")), ("DELETE", ("", "x")), ("PUT", ("", "x", "y")), ("GET", ("", "x")),
        ("GET", ("", "x", "z"))]
    assert (left_out, skipped, problems) == (0, 1, [])


def test_substitutions_match_any_segment() -> None:
    requests, *_ = read("""
tests:
- {name: a, GET: "/x/$ENVIRON['ID']/y"}
- {name: b, GET: "/x/$RESPONSE['$.links[?rel = \\"self\\"].href']/y"}
- {name: c, GET: "/x/CUSTOM_$ENVIRON['RC']"}
""")
    assert [r.segments for r in requests] == [("", "x", None, "y"), ("", "x", None, "y"), ("", "x", None)]


def test_last_url_history_and_location() -> None:
    requests, left_out, _, _ = read("""
tests:
- name: make
  POST: /things
  response_headers:
    location: $SCHEME://$NETLOC/things/abc
- {name: where, GET: $LOCATION}
- {name: again, GET: $LAST_URL/parts}
- {name: back, GET: "$HISTORY['make'].$URL"}
- {name: there, GET: "$HISTORY['make'].$LOCATION"}
- name: make another
  POST: /things
  response_headers:
    location: /things/[a-z]+/
- {name: unknown, GET: $LOCATION}
- {name: after unknown, GET: $LAST_URL}
- {name: response, PUT: "$RESPONSE['$.links[0].href']"}
""")
    assert [(r.name, r.url) for r in requests] == [
        ("make", "/things"), ("where", "$SCHEME://$NETLOC/things/abc"),
        ("again", "$SCHEME://$NETLOC/things/abc/parts"), ("back", "/things"),
        ("there", "$SCHEME://$NETLOC/things/abc"), ("make another", "/things")]
    assert requests[2].segments == ("", "things", "abc", "parts")
    assert left_out == 3


def test_location_of_a_created_item_is_one_unknown_segment_below_the_collection() -> None:
    requests, left_out, _, _ = read("""
tests:
- {name: create, POST: /things?x=1, status: 201}
- {name: show, GET: $LOCATION}
- {name: parts, GET: $LAST_URL/parts}
- {name: later, DELETE: "$HISTORY['create'].$LOCATION"}
- {name: not created, POST: /things, status: 200}
- {name: unknown, GET: $LOCATION}
- {name: put, PUT: /things/abc, status: 201}
- {name: unknown too, GET: $LOCATION}
""")
    assert [(r.name, r.segments) for r in requests] == [
        ("create", ("", "things")), ("show", ("", "things", None)), ("parts", ("", "things", None, "parts")),
        ("later", ("", "things", None)), ("not created", ("", "things")), ("put", ("", "things", "abc"))]
    assert left_out == 2


@pytest.mark.parametrize("text, line", [
    ("tests:\n- name: a\n  GET: /x\n   status: 200\n", 4),
    ("tests: {name: a}\n", 1),
    ("- just a list\n", 1),
    ("tests: [\n", 1),  # noticed at the end of the stream: the last line
])
def test_malformed_files_are_problems_with_a_line(text: str, line: int) -> None:
    requests, _, _, problems = read(text)
    assert requests == []
    assert [p.line for p in problems] == [line]


def test_what_a_request_sends_and_asserts() -> None:
    requests, _, _, problems = gabbi.read_test_file(Path("t.yaml"), """
defaults:
  query_parameters: {fallback: 1}
tests:
- name: sends
  GET: "/x?resources=VCPU:1&required=$ENVIRON['TRAIT']&limit&$ENVIRON['NAME']=1"
  query_parameters:
    in_tree: x
    nested: {not_a_parameter: 1}
  data:
    allocations:
      $ENVIRON['RP_UUID']:
        resources: {VCPU: 1}
    listed: [{a: 1}, {b: &shared {c: 2}}]
    again: *shared
  response_json_paths:
    $.allocations['$ENVIRON["RP_UUID"]'].resources.VCPU: 1
    $.links[?rel = "self"].href: /x
    $.providers[?(@.uuid == "a")].root_provider_uuid: x
    $["quoted"][0].`len`: 1
    $.whole: {inner: {deep: 1}}
    bare.name: x
- {name: from a file, POST: /x, data: <@body.json}
- {name: opaque, POST: /x, data: "$RESPONSE['$.x']"}
- {name: outside, POST: /x, data: <@missing.json, status: 400}
""", KIOSK, data_file=lambda name: '{"k": {"j": [{"i": 1}]}}' if name == "body.json" else None)
    assert problems == []
    sends, from_file, opaque, outside = requests
    assert sends.query == {"resources", "required", "limit", "in_tree", "nested"}
    assert sends.body_keys == {"allocations", "resources", "VCPU", "listed", "a", "b", "c", "again"}
    assert sends.asserted == {"allocations", "resources", "VCPU", "links", "rel", "href", "providers", "uuid",
                              "root_provider_uuid", "quoted", "whole", "inner", "deep", "bare", "name"}
    assert (from_file.query, from_file.body_keys, from_file.asserted) == ({"fallback"}, {"k", "j", "i"}, set())
    assert opaque.body_keys == outside.body_keys == frozenset()
    assert not outside.asserted  # a status is not a field


def test_data_files_are_read_beside_the_test_inside_the_project_only(tmp_path: Path) -> None:
    gabbits = tmp_path / "svc" / "tests" / "functional" / "gabbits"
    gabbits.mkdir(parents=True)
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = svc\n")
    (gabbits / "body.json").write_text('{"colour": "red", "parts": [{"size": 2}]}')
    (gabbits / "deep.json").write_text("[" * 100000 + "]" * 100000)
    (gabbits / "broken.json").write_text("{not json")
    (tmp_path.parent / "secret.json").write_text('{"secret": 1}')
    (gabbits / "t.yaml").write_text("""
tests:
- {name: beside, POST: /x, data: <@body.json}
- {name: deep, POST: /x, data: <@deep.json}
- {name: broken, POST: /x, data: <@broken.json}
- {name: outside, POST: /x, data: <@../../../../secret.json}
- {name: absolute, POST: /x, data: "<@/etc/passwd"}
- {name: directory, POST: /x, data: <@.}
""")
    tests = gabbi.functional_tests(project_at(tmp_path))
    assert tests.problems == ()
    assert [(r.name, sorted(r.body_keys)) for r in tests.requests] == [
        ("beside", ["colour", "parts", "size"]), ("deep", []), ("broken", []), ("outside", []),
        ("absolute", []), ("directory", [])]


def test_path_segments_of_a_url_that_starts_with_an_unknown_value() -> None:
    assert gabbi.path_segments("$LOCATION") is None
    assert gabbi.path_segments("$RESPONSE['$.href']/inventories") is None
    assert gabbi.path_segments("/") == ("", "")
    assert gabbi.path_segments("") == ("",)


# -- routes, versions, history --------------------------------------------------------------

def test_routes_are_read_without_importing() -> None:
    from reviewlint.service.routes import route_table

    project = project_at(CASES / "rvl4" / "handler_pairs")
    table = route_table(project)
    assert table is not None and table.module == "kiosk.handler"
    assert [(r.label, r.target) for r in table.routes][:3] == [
        ("GET /", "kiosk.handlers.root.home"), ("GET ''", "kiosk.handlers.root.home"),
        ("GET /shelves", "kiosk.handlers.shelf.list_shelves")]
    assert [r.label for r in table.match("GET", ("", ""))] == ["GET /"]
    assert [r.label for r in table.match("GET", ("",))] == ["GET ''"]
    assert [r.label for r in table.match("PUT", ("", "shelves", None))] == ["PUT /shelves/{uuid}"]
    assert table.match("PUT", ("", "shelves")) == ()
    handlers = [f for f in handler_refs(project) if f.name == "update_shelf"]
    assert len(handlers) == 2  # versioned redefinitions share the route
    assert all(table.routes_of(f)[0].label == "PUT /shelves/{uuid}" for f in handlers)


def test_functions_named_in_routes_are_handlers_without_wsgify(tmp_path: Path) -> None:
    case = shutil.copytree(CASES / "rvl4" / "handler_pairs", tmp_path / "case")
    root = case / "kiosk/handlers/root.py"
    root.write_text(root.read_text().replace("@wsgi_wrapper.PlacementWsgify\n", ""))
    project = project_at(case)
    assert "kiosk.handlers.root.home" in {f.qualname for f in handler_refs(project)}
    # One decorator line less: the gate moved up to line 10.
    assert ("kiosk/handlers/root.py", 10, "RVL401") in lint_tree(case)


def test_the_versions_module_the_handlers_import_wins(tmp_path: Path) -> None:
    from reviewlint.service.versions import service_versions

    case = shutil.copytree(CASES / "rvl4" / "history", tmp_path / "case")
    (case / "kiosk/metadata.py").write_text("VERSIONS = ['2009-04-04', 'latest']\n")
    (case / "kiosk/compute.py").write_text("VERSIONS = ['2.0', '2.1']\nSERVICE_TYPE = 'compute'\n")
    service = service_versions(project_at(case))
    assert service is not None
    assert (service.module, service.service_type, service.minimum, service.latest) == (
        "kiosk.microversion", "kiosk", (1, 0), (1, 9))
    assert (service.before((1, 5)), service.after((1, 5)), service.after((1, 9))) == ((1, 4), (1, 6), None)


def test_config_keys_point_at_unusual_places(tmp_path: Path) -> None:
    from reviewlint.rules.microversions import model

    case = shutil.copytree(CASES / "rvl4" / "boundaries", tmp_path / "case")
    shutil.move(case / "kiosk/tests/functional/gabbits", case / "functional")
    shutil.move(case / "kiosk/rest_api_version_history.rst", case / "HISTORY.rst")
    (case / "kiosk/copy.py").write_text("VERSIONS = ['1.0']\nROUTE_DECLARATIONS = {'/': {'GET': len}}\n")
    facts = model(project_at(case, routes="kiosk.handler", versions="kiosk/microversion.py",
                             functional_tests=("functional",), version_history="HISTORY.rst",
                             service_type="kiosk"))
    assert facts.routes is not None and facts.routes.module == "kiosk.handler"
    assert facts.versions is not None and facts.versions.module == "kiosk.microversion"
    assert len(facts.tests.files) == 1 and len(facts.tests.requests) == 12
    assert facts.history is not None and facts.history.path.name == "HISTORY.rst"
    # Without the keys, the moved tests and history are not found.
    bare = model(project_at(case))
    assert bare.tests.files == () and bare.history is None


def test_history_sections_are_headings_that_start_with_a_version() -> None:
    text = (CASES / "rvl4" / "history" / "kiosk" / "rest_api_version_history.rst").read_text()
    assert history_sections(text) == {(1, 0), (1, 1), (1, 2), (1, 3), (1, 4), (1, 6)}


def test_version_ranges() -> None:
    assert parse_version("1.30") == (1, 30) and parse_version("latest") is None
    assert str(VersionRange((1, 2), (1, 4))) == "1.2..1.4" and str(VersionRange((1, 8), (1, 8))) == "1.8"
    assert VersionRange((1, 2), (1, 4)).intersect(VersionRange((1, 5), (1, 9))).empty
    assert (1, 3) in VersionRange((1, 2), (1, 4)) and (1, 10) not in VersionRange((1, 2), (1, 4))


# -- gates --------------------------------------------------------------------------------------

def test_gates_remember_the_handlers_that_reach_them() -> None:
    from reviewlint.analysis.summary import project_gates

    project = project_at(CASES / "rvl4" / "handler_pairs")
    gates = project_gates(project)
    by_line = {(g.path.name, project.position(g.site)[0]): g for g in gates}
    shelf_view = by_line[("shelf.py", 9)]
    assert shelf_view.form == "matches" and shelf_view.describe() == ">= 1.5"
    assert sorted(h.name for h in shelf_view.handlers) == ["list_shelves", "show_shelf"]
    applied = by_line[("shelf.py", 15)]
    assert [(h.name, h.index, h.minimum, h.maximum) for h in applied.handlers] == [
        ("update_shelf", 0, (1, 0), (1, 4)), ("update_shelf", 1, (1, 5), None)]
    # orphan is a handler (wsgify) that no route leads to: it reaches its gate,
    # and the rules skip the pair for want of a route.
    assert [h.name for h in by_line[("shelf.py", 52)].handlers] == ["orphan"]
    decorators = [g for g in gates if g.form == "version_handler"]
    assert [(project.position(g.site)[0], g.minimum, g.maximum) for g in decorators] == [
        (31, (1, 0), (1, 4)), (37, (1, 5), None), (43, (1, 0), (1, 2))]
