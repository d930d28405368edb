"""RVL6xx: the API reference reader, the route contracts and the rules.

The cases under reviewlint/fixtures/cases/rvl6/ run through the in-process
harness (the contract case through the real CLI and flake8 too) with exact
expected lines; the reader is tested directly on small and
hostile inputs, the contract on the pantry case.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from conftest import CASES, case_dirs, expected_of, findings_of, run_cli, run_flake8
from harness import cli, lint_lines, lint_tree
from reviewlint.service.reference import ReferenceUnreadable, read_reference, section_files
from reviewlint.service.reference_parameters import read_parameters
from reviewlint.core.config import Config, shown
from reviewlint.model.project import Project

RVL6_CASES = case_dirs("rvl6")
PANTRY = CASES / "rvl6" / "contract"


def reader(files: dict[str, str]):  # type: ignore[no-untyped-def]
    """A text_of for read_reference over in-memory files."""
    def text_of(path: Path) -> str:
        if path.name not in files:
            raise ReferenceUnreadable("no such file")
        return files[path.name]
    return text_of


def read(files: dict[str, str]):  # type: ignore[no-untyped-def]
    root = Path("/nowhere/api-ref/source")
    incs = [root / name for name in sorted(files) if name.endswith(".inc")]
    return read_reference(root, incs, reader(files))


# -- the cases ----------------------------------------------------------------------------------

def test_every_rvl6_code_has_a_case() -> None:
    codes = {code for case in RVL6_CASES for _, _, code in expected_of(case / "expected.txt")}
    assert {"RVL601", "RVL602", "RVL603", "RVL604", "RVL605", "RVL900", "RVL901"} <= codes
    assert [case.name for case in RVL6_CASES] == [
        "contract", "layouts", "list_response", "malformed", "nova_era", "required"]


@pytest.mark.parametrize("case", RVL6_CASES, ids=lambda p: p.name)
def test_each_case_reports_exactly_the_expected_findings(case: Path) -> None:
    assert lint_tree(case, select=["RVL6", "RVL9"]) == expected_of(case / "expected.txt")


# The family's CLI agreement test (its flake8 one is below): the real binary on the case with every RVL6 code.
def test_cli_reports_exactly_the_expected_findings() -> None:
    result = run_cli("--select", "RVL6,RVL9", ".", cwd=PANTRY)
    assert result.stderr == ""
    assert result.returncode == 1
    assert sorted(findings_of(result.stdout)) == expected_of(PANTRY / "expected.txt")


def test_messages_name_route_version_and_the_code_that_decides() -> None:
    lines = lint_lines(PANTRY, select=["RVL6"])
    assert ("api-ref/source/parameters.yaml:56:1: RVL601 POST /jars: request parameter colour is accepted from "
            "1.3, but its parameters.yaml entry jar_colour has no min_version; schema POST_JAR_V1_3 "
            "(pantry/schemas/jar.py:19); decided by `want_version.matches((1, 3))` at pantry/handlers/jar.py:51"
            ) in lines
    assert ("api-ref/source/parameters.yaml:36:1: RVL601 GET /jars: request parameter labelN is accepted from 1.5, "
            "but its parameters.yaml entry jar_label_granular says min_version: 1.4; schema LIST_JARS_1_5 "
            "(pantry/schemas/jar.py:52); decided by `want_version.matches((major, minor))` at "
            "pantry/handlers/jar.py:15") in lines
    assert ("api-ref/source/parameters.yaml:49:1: RVL601 GET /shelves: request parameter sort is accepted up to "
            "1.3, but its parameters.yaml entry shelf_sort has no max_version; schema LIST_SHELVES_1_0 "
            "(pantry/schemas/shelf.py:4); decided by `want_version.matches((1, 4))` at pantry/handlers/shelf.py:16"
            ) in lines
    assert ("api-ref/source/jars.inc:90:1: RVL602 GET /jars/{uuid}: response field lid is set from 1.4 but is not "
            "among the route's response parameters; set at pantry/handlers/jar.py:26; decided by "
            "`want_version.matches((1, 4))` at pantry/handlers/jar.py:25") in lines
    assert ("api-ref/source/shelves.inc:61:1: RVL603 PUT /shelves/{uuid}: request parameter height (in: body, "
            "entry shelf_height) is accepted by no request schema of the route at any version: schema PUT_SHELF "
            "(pantry/schemas/shelf.py:20)") in lines
    assert ("api-ref/source/shelves.inc:17:1: RVL604 GET /shelves: Response headings cover 1.0..1.2, 1.4..1.6 and "
            "leave 1.3 uncovered (next to 'Response (microversions 1.0 - 1.2)'); the route serves 1.0..1.6; its "
            "behaviour changes at 1.4 (`want_version.matches((1, 4))` at pantry/handlers/shelf.py:16)") in lines
    assert ("api-ref/source/jars.inc:108:1: RVL604 GET /jars/{uuid}: Response example heading "
            "'Response Example (microversions 1.4 - )' overlaps 'Response Example (microversions 1.2 - 1.4)' "
            "(line 102) at 1.4") in lines


def test_the_api_ref_key_names_the_reference(tmp_path: Path) -> None:
    case = tmp_path / "layouts"
    shutil.copytree(CASES / "rvl6" / "layouts", case)
    (case / "setup.cfg").write_text((case / "setup.cfg").read_text() + "\n[reviewlint]\napi-ref = doc/api\n")
    rows = lint_tree(case, select=["RVL6", "RVL9"])
    assert rows == [("doc/api/kettles.inc", 13, "RVL602"), ("doc/api/kettles.inc", 18, "RVL604"),
                    ("doc/api/kettles.inc", 35, "RVL602")]
    lines = cli(case, "--show-project", ".").stdout.splitlines()
    assert lines[-2:] == ["api reference: doc/api (1 .inc files, 2 route sections, 3 parameters, 0 malformed): "
                          "the api-ref key names it", "  candidate doc/api: documents 2 of 2 routes (used)"]


def test_show_project_names_the_reference() -> None:
    lines = cli(PANTRY, "--show-project", ".").stdout.splitlines()
    assert lines[-2:] == ["api reference: api-ref/source (3 .inc files, 8 route sections, 25 parameters, "
                          "0 malformed): the only candidate",
                          "  candidate api-ref/source: documents 7 of 7 routes (used)"]
    lines = cli(CASES / "rvl4" / "gabbi_forms", "--show-project", ".").stdout.splitlines()
    assert lines[-1] == "api reference: none (RVL6xx is not checked)"


NOVA_ERA = CASES / "rvl6" / "nova_era"


def test_a_body_that_is_a_list_is_named_by_one_parameter(tmp_path: Path) -> None:
    # The reference named by the key, as before the choice by routes: no RVL603 on `filters` or `tags`.
    config = tmp_path / "setup.cfg"
    config.write_text("[reviewlint]\napi-ref = placement-api-ref/source\n")
    assert lint_tree(NOVA_ERA, select=["RVL6", "RVL9"], config=config) == expected_of(NOVA_ERA / "expected.txt")
    # Given its max_version, `tags` is right; two top-level parameters where the list is the body: neither is judged.
    case = tmp_path / "nova_era"
    shutil.copytree(NOVA_ERA, case)
    parameters = case / "placement-api-ref/source/parameters.yaml"
    parameters.write_text(parameters.read_text().replace("  description: The kettle's tags.",
                                                         "  max_version: 1.1\n  description: The kettle's tags."))
    assert lint_tree(case, select=["RVL6", "RVL9"]) == [("placement-api-ref/source/kettles.inc", 35, "RVL602")]
    kettles = case / "placement-api-ref/source/kettles.inc"
    kettles.write_text(kettles.read_text().replace("  - filters: filters\n\nRequest (microversions 1.2 - )",
                                                   "  - filters: filters\n  - tags: tags\n\n"
                                                   "Request (microversions 1.2 - )"))
    assert lint_tree(case, select=["RVL6", "RVL9"]) == [("placement-api-ref/source/kettles.inc", 35, "RVL602")]


LIST_RESPONSE = CASES / "rvl6" / "list_response"


def test_a_response_body_that_is_a_list_is_named_by_one_parameter(tmp_path: Path) -> None:
    from reviewlint.analysis.route_contract import route_contracts

    found = {route.label: contract for route, contract in route_contracts(Project(LIST_RESPONSE, Config())).items()}
    assert {label: contract.space.describe(contract.list_body()[0]) for label, contract in found.items()} == {
        "GET /jugs": "1.0..1.3", "GET /jugs/{uuid}/lids": "1.0..1.1", "GET /jugs/{uuid}/handles": "1.0..1.1"}
    lines = lint_lines(LIST_RESPONSE, select=["RVL6"])
    assert ("api-ref/source/parameters.yaml:7:1: RVL602 GET /jugs/{uuid}/handles: response field handles is set "
            "up to 1.1, but its parameters.yaml entry handles has no max_version; set at jug/handlers/jug.py:62; "
            "decided by `want_version.matches((1, 2))` at jug/handlers/jug.py:59") in lines
    # Given its max_version, `handles` is right. Two `array` parameters where the list is the body (grips without its
    # min_version): nothing is said of either, grips's own missing min_version included, as on the request side.
    case = tmp_path / "list_response"
    shutil.copytree(LIST_RESPONSE, case)
    parameters = case / "api-ref/source/parameters.yaml"
    handles = "  description: The names of the jug's handles."
    parameters.write_text(parameters.read_text().replace(handles, "  max_version: 1.1\n" + handles))
    assert lint_tree(case, select=["RVL6", "RVL9"]) == [("api-ref/source/parameters.yaml", 13, "RVL602")]
    parameters.write_text(parameters.read_text().replace("  max_version: 1.1\n", "").replace(
        "grips:\n  type: array\n  in: body\n  required: true\n  min_version: 1.2\n",
        "grips:\n  type: array\n  in: body\n  required: true\n"))
    assert lint_tree(case, select=["RVL6", "RVL9"]) == [("api-ref/source/parameters.yaml", 11, "RVL602")]
    # The list is the body from 1.2 (grips before): `handles` needs min_version: 1.2.
    handler = case / "jug/handlers/jug.py"
    handler.write_text(handler.read_text().replace(
        "body = {'grips': [handle.name for handle in jug.handles]}", "body = [handle.name for handle in jug.handles]"
    ).replace("body = []\n", "body = {'grips': []}\n").replace("            body.append(handle.name)\n", "").replace(
        "        for handle in jug.handles:\n", ""))
    parameters.write_text(parameters.read_text().replace(
        "grips:\n  type: array\n  in: body\n  required: true\n", "grips:\n  type: array\n  in: body\n"
        "  required: true\n  max_version: 1.1\n"))
    lines = lint_lines(case, select=["RVL6"])
    assert [line.split(": RVL602 ")[0] for line in lines] == ["api-ref/source/parameters.yaml:7:1",
                                                              "api-ref/source/parameters.yaml:12:1"]
    assert ("RVL602 GET /jugs/{uuid}/handles: response field handles is set from 1.2, but its parameters.yaml entry "
            "handles has no min_version; set at jug/handlers/jug.py:60") in lines[0]


def test_the_reference_is_the_candidate_that_documents_the_most_routes() -> None:
    lines = cli(NOVA_ERA, "--show-project", ".").stdout.splitlines()
    assert lines[-3:] == [
        "api reference: placement-api-ref/source (1 .inc files, 4 route sections, 8 parameters, 0 malformed): "
        "it documents the most routes",
        "  candidate api-ref/source: documents 1 of 4 routes",
        "  candidate placement-api-ref/source: documents 4 of 4 routes (used)"]
    lines = lint_lines(NOVA_ERA, select=["RVL6"])
    assert lines[-1] == (
        "placement-api-ref/source/parameters.yaml:38:1: RVL601 PUT /kettles/{uuid}/tags: request parameter tags is "
        "accepted up to 1.1, but its parameters.yaml entry tags has no max_version; schema PUT_TAGS "
        "(kettle/schemas/kettle.py:22); decided by `want_version.matches((1, 2))` at kettle/handlers/kettle.py:66")


def test_a_reference_that_documents_none_of_the_routes_is_none(tmp_path: Path) -> None:
    case = tmp_path / "nova_era"
    shutil.copytree(NOVA_ERA, case)
    shutil.rmtree(case / "placement-api-ref")
    servers = case / "api-ref/source/servers.inc"
    servers.write_text(servers.read_text().replace("GET /kettles", "GET /os-kettles"))
    assert lint_tree(case, select=["RVL6", "RVL9"]) == []
    lines = cli(case, "--show-project", ".").stdout.splitlines()
    assert lines[-2:] == ["api reference: none (no candidate documents a route of the route table: "
                          "RVL6xx is not checked)", "  candidate api-ref/source: documents 0 of 4 routes"]
    # A candidate found by its sections, not its name, is one too; the api-ref key still wins.
    (case / "docs").mkdir()
    shutil.copytree(NOVA_ERA / "placement-api-ref" / "source", case / "docs" / "api")
    assert lint_tree(case, select=["RVL6", "RVL9"]) == [("docs/api/kettles.inc", 35, "RVL602"),
                                                        ("docs/api/parameters.yaml", 38, "RVL601")]
    assert cli(case, "--show-project", ".").stdout.splitlines()[-3:] == [
        "api reference: docs/api (1 .inc files, 4 route sections, 8 parameters, 0 malformed): "
        "it documents the most routes",
        "  candidate api-ref/source: documents 0 of 4 routes",
        "  candidate docs/api: documents 4 of 4 routes (used)"]
    (case / "setup.cfg").write_text((case / "setup.cfg").read_text() + "\n[reviewlint]\napi-ref = api-ref/source\n")
    assert {code for _, _, code in lint_tree(case, select=["RVL6", "RVL9"])} == {"RVL901"}
    # Excluded paths are not searched, and a named candidate under one is none.
    (case / "setup.cfg").write_text((NOVA_ERA / "setup.cfg").read_text() + "\n[reviewlint]\nexclude = docs\n")
    assert lint_tree(case, select=["RVL6", "RVL9"]) == []
    shutil.move(case / "docs" / "api", case / "kettle-api-ref")
    (case / "kettle-api-ref" / "source").mkdir()
    for name in ("kettles.inc", "parameters.yaml"):
        shutil.move(case / "kettle-api-ref" / name, case / "kettle-api-ref" / "source" / name)
    assert lint_tree(case, select=["RVL6", "RVL9"]) == [("kettle-api-ref/source/kettles.inc", 35, "RVL602"),
                                                        ("kettle-api-ref/source/parameters.yaml", 38, "RVL601")]
    (case / "setup.cfg").write_text((NOVA_ERA / "setup.cfg").read_text() + "\n[reviewlint]\nexclude = kettle-*\n")
    assert lint_tree(case, select=["RVL6", "RVL9"]) == []


def test_select_ignore_and_per_file_ignores_apply(tmp_path: Path) -> None:
    rows = lint_tree(PANTRY, select=["RVL603"])
    assert rows == [("api-ref/source/jars.inc", 18, "RVL603"), ("api-ref/source/shelves.inc", 61, "RVL603")]
    rows = lint_tree(PANTRY, select=["RVL6"], ignore=["RVL601", "RVL602", "RVL603"])
    assert {code for _, _, code in rows} == {"RVL604"}
    config = tmp_path / "setup.cfg"
    config.write_text("[reviewlint]\nselect = RVL6\nper-file-ignores =\n    api-ref/source/parameters.yaml: RVL601\n"
                      "    *.inc: RVL604\n")
    rows = lint_tree(PANTRY, config=config)
    assert ("api-ref/source/parameters.yaml", 56, "RVL601") not in rows
    assert ("api-ref/source/parameters.yaml", 61, "RVL602") in rows
    assert not any(code == "RVL604" for _, _, code in rows)


def test_one_reference_file_as_input_reports_only_its_findings() -> None:
    rows = lint_tree(PANTRY, "api-ref/source/shelves.inc", select=["RVL6"])
    assert rows == [("api-ref/source/shelves.inc", 13, "RVL601"), ("api-ref/source/shelves.inc", 17, "RVL604"),
                    ("api-ref/source/shelves.inc", 61, "RVL603")]


def test_a_changed_handler_rechecks_the_reference() -> None:
    # pre-commit passes only the changed files: a handler brings along the reference's findings
    # about its own routes, a schema module those about the routes that validate with it (before:
    # every finding of the reference, the jars' with the shelves' handler).
    expected = expected_of(PANTRY / "expected.txt")
    rows = lint_tree(PANTRY, "pantry/handlers/shelf.py", select=["RVL6"])
    assert rows == [row for row in expected if row[0] == "api-ref/source/shelves.inc"
                    or row == ("api-ref/source/parameters.yaml", 49, "RVL601")]  # GET /shelves: `sort`
    rows = lint_tree(PANTRY, "pantry/schemas/jar.py", select=["RVL6"])
    assert rows == [("api-ref/source/jars.inc", 18, "RVL603"), ("api-ref/source/parameters.yaml", 36, "RVL601"),
                    ("api-ref/source/parameters.yaml", 56, "RVL601")]  # GET /jars and POST /jars validate with it


def test_a_python_file_the_analysis_never_reads_does_not(tmp_path: Path) -> None:
    case = tmp_path / "pantry"
    shutil.copytree(PANTRY, case)
    (case / "pantry" / "notes.py").write_text('"""Nothing to do with the API."""\n\nNOTES = []\n')
    assert lint_tree(case, "pantry/notes.py", select=["RVL6"]) == []


def test_stdin_buffer_of_a_reference_file_wins_over_the_disk() -> None:
    text = (PANTRY / "api-ref/source/shelves.inc").read_text()
    fixed = text.replace("Response (microversions 1.0 - 1.2)\n----------------------------------",
                         "Response (microversions 1.0 - 1.3)\n----------------------------------")
    assert lint_tree(PANTRY, select=["RVL6"], stdin=("api-ref/source/shelves.inc", fixed)) == [
        ("api-ref/source/shelves.inc", 13, "RVL601"), ("api-ref/source/shelves.inc", 61, "RVL603")]


def test_noqa_comments_suppress_in_rst_and_yaml(tmp_path: Path) -> None:
    case = tmp_path / "pantry"
    shutil.copytree(PANTRY, case)
    shelves = case / "api-ref/source/shelves.inc"
    shelves.write_text(shelves.read_text().replace(".. noqa: RVL604", ".. a plain comment"))
    parameters = case / "api-ref/source/parameters.yaml"
    parameters.write_text(parameters.read_text().replace("min_version: 1.5  # noqa: RVL601", "min_version: 1.5"))
    rows = lint_tree(case, select=["RVL6"])
    added = sorted(set(rows) - set(expected_of(PANTRY / "expected.txt")))
    assert added == [("api-ref/source/parameters.yaml", 132, "RVL601"), ("api-ref/source/shelves.inc", 37, "RVL604")]
    # A `.. noqa` above a parameter list covers the list and its items.
    jars = case / "api-ref/source/jars.inc"
    jars.write_text(jars.read_text().replace("  - colour: jar_colour_query\n", "  - colour: jar_colour_query\n", 1)
                    .replace(".. rest_method:: GET /jars\n\nRequest\n-------\n\n",
                             ".. rest_method:: GET /jars\n\nRequest\n-------\n\n.. noqa: RVL603\n\n"))
    rows = lint_tree(case, select=["RVL6"])
    assert not any(row[2] == "RVL603" and row[0].endswith("jars.inc") for row in rows)


def test_flake8_reports_nothing_in_python_files_for_the_reference() -> None:
    result = run_flake8("--select", "RVL6", ".", cwd=PANTRY)
    assert result.stderr == "" and result.stdout == ""


def test_a_tree_without_a_reference_is_not_read(tmp_path: Path) -> None:
    project = Project(CASES / "rvl1", Config())
    from reviewlint.rules.apiref import judge
    from reviewlint.service.reference_choice import reference

    assert reference(project) is None and judge(project) == []


# -- the reader ---------------------------------------------------------------------------------

SECTION = """\
======
Things
======

List things
===========

.. rest_method:: GET /things

Request
-------

.. rest_parameters:: parameters.yaml

  - name: thing_name
  - colour: thing_colour

Response (microversions 1.2 - )
-------------------------------

.. rest_parameters:: parameters.yaml

  - things: things

Response Example (microversion 1.0 - 1.1)
-----------------------------------------

Response Example (1.2 - 1.10)
-----------------------------

Response Example (microversions 1.11 \u2013 )
-----------------------------------------

Root
====

.. rest_method:: GET ''

A paragraph of two lines
is not a title
--------------
"""

PARAMETERS = """\
thing_name: &thing_name
  type: string
  in: query
  required: false
  min_version: 1.10
  description: A name.
thing_colour:
  <<: *thing_name
  description: A colour.
things:
  <<: [*thing_name, {min_version: 1.1, in: body}]
  in: BODY
  min_version: null
  max_version: '1.3'
"""


def test_sections_parts_spans_and_lists() -> None:
    ref = read({"things.inc": SECTION, "parameters.yaml": PARAMETERS})
    assert ref.problems == ()
    first, root = ref.sections
    assert (first.method, first.template, first.line, first.title_line) == ("GET", "/things", 8, 5)
    assert (root.method, root.template, root.label) == ("GET", "", "GET ''")
    assert [(p.kind, p.line, str(p.span) if p.span else None) for p in first.parts] == [
        ("request", 10, None), ("response", 18, "1.2 -"), ("response example", 25, "1.0 - 1.1"),
        ("response example", 28, "1.2 - 1.10"), ("response example", 31, "1.11 -")]
    items = first.parts[0].lists[0].items
    assert [(i.name, i.key, i.line) for i in items] == [("name", "thing_name", 15), ("colour", "thing_colour", 16)]
    assert root.parts == ()


def test_entries_read_versions_from_the_source_text_and_follow_merge_keys() -> None:
    entries, problems = read_parameters(Path("parameters.yaml"), PARAMETERS)
    assert problems == [] and entries is not None
    name, colour, things = entries["thing_name"], entries["thing_colour"], entries["things"]
    assert (name.min_version, name.min_line, name.location) == ((1, 10), 5, "query")  # not 1.1
    assert (colour.min_version, colour.min_line, colour.line) == ((1, 10), None, 7)  # inherited
    # Own keys win over merged ones; null cancels an inherited min_version; the first merged mapping wins.
    assert (things.location, things.min_version, things.max_version) == ("body", None, (1, 3))


@pytest.mark.parametrize("text, line, reason", [
    ("a: [unclosed\n", 1, "YAML error"),
    ("- a list\n", 1, "must be a mapping of parameter entries"),
    ("a:\n  in: form\n", 2, "has in: form"),
    ("a:\n  in: body\n  min_version: 1\n", 3, "expected a microversion"),
    ("a:\n  in: body\n  max_version: [1, 2]\n", 3, "must be a scalar"),
    ("a: &a\n  <<: *a\n  in: body\n", 1, "refer to themselves"),
    ("a: 3\n", 1, "must be a mapping (in, type"),
    ("? [1, 2]\n: {in: body}\n", 1, "named by plain keys"),
])
def test_malformed_parameters_become_problems_at_their_line(text: str, line: int, reason: str) -> None:
    _, problems = read_parameters(Path("parameters.yaml"), text)
    assert [(p.line, p.code) for p in problems] == [(line, "RVL901")]
    assert reason in problems[0].reason


def test_hostile_yaml_is_bounded() -> None:
    # An alias bomb: nine levels of nine aliases would be 387 million nodes if expanded.
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    start = time.perf_counter()
    entries, problems = read_parameters(Path("parameters.yaml"), "\n".join(lines) + "\n")
    assert time.perf_counter() - start < 2
    assert entries == {} and len(problems) == 10
    # A long chain of entries merging each other is read once per entry (memoised, linear);
    # merges nested inside one entry stop at MAX_MERGE_DEPTH.
    chain = ["e0: &e0 {in: body, min_version: 1.2}"] + [f"e{i}: &e{i} {{<<: *e{i - 1}}}" for i in range(1, 400)]
    entries, problems = read_parameters(Path("parameters.yaml"), "\n".join(chain) + "\n")
    assert problems == [] and entries is not None and entries["e399"].min_version == (1, 2)
    nested = "a: " + "{<<: " * 40 + "{in: body}" + "}" * 40 + "\n"
    entries, problems = read_parameters(Path("parameters.yaml"), nested)
    assert entries == {} and [p.reason.split(": ", 1)[1] for p in problems] == [
        "merge keys nest too deeply or refer to themselves"]
    _, problems = read_parameters(Path("parameters.yaml"), "a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert len(problems) == 1 and problems[0].code == "RVL901"
    entries, problems = read_parameters(Path("parameters.yaml"), "a: " + "x" * (5 * 1024 * 1024) + "\n")
    # The guard's refusal of a file over max-file-size, for a text that came without a file (an editor's).
    assert entries is None and [(p.code, p.reason) for p in problems] == [
        ("RVL900", "cannot check this file: too large to analyse (more than 2097152 bytes; "
                   "limit max-file-size = 2097152)")]


def test_malformed_sections_become_problems_and_noqa_is_read() -> None:
    text = ("Things\n======\n\n.. rest_method:: GET\n\nOne\n===\n\n.. rest_method:: GET /one\n\n"
            "Request (1.5 - 1.2)\n-------------------\n\n.. noqa: RVL603\n\n.. rest_parameters:: parameters.yaml\n\n"
            "  - name: thing_name\n  - oops\n  - other: nowhere\n")
    ref = read({"things.inc": text, "parameters.yaml": PARAMETERS})
    assert [(p.line, p.reason.split(": ", 1)[1]) for p in ref.problems] == [
        (4, "rest_method needs an HTTP method and a path, got 'GET'"),
        (11, "the version range in 'Request (1.5 - 1.2)' is empty"),
        (19, "expected a '- name: entry' item, got '- oops'"),
        (20, "other names the entry nowhere, which parameters.yaml does not define"),
    ]
    covered = ref.suppressions[Path("/nowhere/api-ref/source/things.inc")]
    assert covered == {16: ("RVL603",), 18: ("RVL603",), 20: ("RVL603",)}


def test_section_files_skip_excluded_directories(tmp_path: Path) -> None:
    (tmp_path / "a.inc").write_text("")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "b.inc").write_text("")
    (tmp_path / "c.rst").write_text("")
    assert section_files(tmp_path, lambda name, rel: name == "build") == [tmp_path / "a.inc"]


# -- the route contracts ------------------------------------------------------------------------

def contracts():  # type: ignore[no-untyped-def]
    from reviewlint.analysis.route_contract import route_contracts

    project = Project(PANTRY, Config())
    return {route.label: contract for route, contract in route_contracts(project).items()}


def test_query_schemas_per_version_through_getattr_name_patterns() -> None:
    jars = contracts()["GET /jars"]
    chosen = sorted((jars.space.describe(mask), accepts.schema.label, sorted(accepts.names), accepts.patterns)
                    for mask, accepts in jars.query_schemas() if accepts is not None and accepts.schema)
    assert chosen == [("1.0..1.1", "LIST_JARS_1_0", ["name"], ()),
                      ("1.2..1.4", "LIST_JARS_1_2", ["colour", "name"], ()),
                      ("1.5..1.6", "LIST_JARS_1_5", ["colour", "name"], ("^label[1-9][0-9]*$",))]


def test_body_schemas_per_definition_and_branch() -> None:
    found = contracts()
    create = sorted((found["POST /jars"].space.describe(mask), accepts.schema.label)
                    for mask, accepts in found["POST /jars"].body_schemas() if accepts and accepts.schema)
    assert create == [("1.0..1.2", "POST_JAR"), ("1.3..1.4", "POST_JAR_V1_3"), ("1.5..1.6", "POST_JAR_V1_5")]
    spice = found["PUT /spices/{name}"]
    assert sorted((spice.space.describe(mask), sorted(accepts.names))
                  for mask, accepts in spice.body_schemas() if accepts) == [
        ("1.0..1.3", ["amounts"]), ("1.4..1.6", ["amounts", "unit"])]


def test_a_shared_serializer_sets_a_gated_field_only_on_the_route_that_asks() -> None:
    found = contracts()
    show, listing = found["GET /jars/{uuid}"], found["GET /jars"]
    assert show.space.describe(show.fields()["label"].mask) == "1.2..1.6"
    assert "label" not in listing.fields()
    assert listing.space.describe(listing.fields()["lid"].mask) == "1.4..1.6"
    create = found["POST /jars"]
    assert create.space.describe(create.response_mask()) == "1.3..1.6"


def test_hostile_sections_are_bounded() -> None:
    lines = ["Things", "======", "", ".. rest_method:: GET /things", "", "Request (" + " " * 100_000 + "1.2 -",
             "-" * 100_010, "", ".. rest_parameters:: parameters.yaml", "", "  - " + " " * 200_000 + "x",
             "  - name:" + " " * 200_000, "  - name" + ":" * 50_000 + " key"]
    start = time.perf_counter()
    ref = read({"things.inc": "\n".join(lines) + "\n", "parameters.yaml": PARAMETERS})
    assert time.perf_counter() - start < 2
    assert [p.line for p in ref.problems] == [11, 12, 13]
    big = read({"big.inc": "x\n" * (3 * 1024 * 1024)})
    assert [(p.code, p.reason) for p in big.problems] == [
        ("RVL900", "cannot check this file: too large to analyse (more than 2097152 bytes; "
                   "limit max-file-size = 2097152)")]


@pytest.mark.slow  # eight runs over the pantry case
def test_warm_runs_equal_cold_runs_after_edits(tmp_path: Path) -> None:
    case = tmp_path / "pantry"
    shutil.copytree(PANTRY, case)
    cache = tmp_path / "cache"

    def both() -> tuple[str, str]:
        warm = "".join(f"{line}\n" for line in lint_lines(case, select=["RVL6"], cache_dir=cache))
        return warm, "".join(f"{line}\n" for line in lint_lines(case, select=["RVL6"], cold=True))

    warm, cold = both()
    assert warm == cold and findings_of(warm) == expected_of(PANTRY / "expected.txt")
    schema = case / "pantry/schemas/jar.py"  # the 1.3 property is renamed: colour is now never accepted
    schema.write_text(schema.read_text().replace("POST_JAR_V1_3['properties']['colour']",
                                                 "POST_JAR_V1_3['properties']['hue']"))
    warm, cold = both()
    assert warm == cold and ("api-ref/source/jars.inc", 41, "RVL603") in findings_of(warm)
    shelves = case / "api-ref/source/shelves.inc"  # the gap is closed
    shelves.write_text(shelves.read_text().replace("Response (microversions 1.0 - 1.2)\n-",
                                                   "Response (microversions 1.0 - 1.3)\n-"))
    warm, cold = both()
    assert warm == cold and ("api-ref/source/shelves.inc", 17, "RVL604") not in findings_of(warm)
    # The commit hook's form: only the changed handler is an input.
    handler = "pantry/handlers/shelf.py"
    warm = "".join(f"{line}\n" for line in lint_lines(case, handler, select=["RVL6"], cache_dir=cache))
    assert warm == "".join(f"{line}\n" for line in lint_lines(case, handler, select=["RVL6"], cold=True))
    # ... which brings the findings about its own routes (the shelves'), as the whole run has them.
    assert findings_of(warm) == [row for row in findings_of(cold) if row[0] == "api-ref/source/shelves.inc"
                                 or row == ("api-ref/source/parameters.yaml", 49, "RVL601")]
    assert findings_of(warm)


# -- confinement, reader errors, line ends, linear time -----------------------------------------

SECRET = "SECRET-SENTINEL"
ESCAPES = """\
Escapes
=======

.. rest_method:: GET /escapes

Request
-------

.. rest_parameters:: {absolute}

  - a: jar_name

.. rest_parameters:: ../../../outside/secret.yaml

  - b: jar_name

.. rest_parameters:: linked.yaml

  - c: jar_name

.. rest_parameters:: nul\x00byte.yaml

  - d: jar_name

.. rest_parameters:: {long}.yaml

  - e: jar_name
"""


def escaping_pantry(tmp_path: Path) -> tuple[Path, Path]:
    """The pantry case with a section whose lists name files outside the root, and links out of it."""
    outside = tmp_path / "outside"
    outside.mkdir()
    # Read as a parameters file, this would give an RVL901 quoting the sentinel.
    (outside / "secret.yaml").write_text(f"jar_name:\n  in: {SECRET}\n")
    (outside / "secret.inc").write_text(f"{SECRET}\n======\n\n.. rest_method:: GET {SECRET}\n")
    case = tmp_path / "pantry"
    shutil.copytree(PANTRY, case)
    source = case / "api-ref" / "source"
    (source / "escapes.inc").write_text(ESCAPES.format(absolute=outside / "secret.yaml", long="x" * 300))
    (source / "linked.yaml").symlink_to(outside / "secret.yaml")
    (source / "linked.inc").symlink_to(outside / "secret.inc")
    return case, outside


def test_the_reference_never_leaves_the_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import reviewlint.model.project

    case, outside = escaping_pantry(tmp_path)
    read: list[str] = []
    real = reviewlint.model.project.read_bytes

    def recording(path, limit):  # type: ignore[no-untyped-def]
        read.append(str(path))
        return real(path, limit)

    monkeypatch.setattr(reviewlint.model.project, "read_bytes", recording)
    lines = lint_lines(case, select=["RVL6", "RVL9"], cold=True)
    assert read and not [path for path in read if not path.startswith(str(case))]
    assert not [line for line in lines if SECRET in line]
    rows = [line.split(" RVL901 malformed API reference: rest_parameters names ") for line in lines
            if "escapes.inc" in line]
    assert rows == [
        ["api-ref/source/escapes.inc:9:1:", f"{str(outside / 'secret.yaml')[:75]!r}"[:-1] + "...', which is outside "
         "the project root; it is not read"],
        ["api-ref/source/escapes.inc:13:1:", "'../../../outside/secret.yaml', which is outside the project root; "
         "it is not read"],
        ["api-ref/source/escapes.inc:17:1:", "'linked.yaml', which is outside the project root; it is not read"],
        ["api-ref/source/escapes.inc:21:1:", "'nul\\x00byte.yaml', which has a control character in its file name"],
        ["api-ref/source/escapes.inc:25:1:", "'" + "x" * 75 + "...', which is longer than a file name can be"]]
    # Every other finding is the case's own: the lists' entries are unknown, not missing.
    assert sorted(set(findings_of("\n".join(lines))) - {("api-ref/source/escapes.inc", n, "RVL901")
                                                        for n in (9, 13, 17, 21, 25)}) \
        == expected_of(PANTRY / "expected.txt")


def test_an_api_ref_key_outside_the_root_is_a_config_error(tmp_path: Path) -> None:
    case, outside = escaping_pantry(tmp_path)
    for value in (str(outside), "../outside", "api-ref/source/../../../outside"):
        (case / "setup.cfg").write_text(f"[reviewlint]\napi-ref = {value}\n")
        result = cli(case, ".")
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.splitlines() == [f"{case / 'setup.cfg'}: api-ref: {shown(value)} is outside the "
                                              f"project root {case}: the API reference must be part of the project"]
    (case / "link").symlink_to(outside, target_is_directory=True)
    (case / "setup.cfg").write_text("[reviewlint]\napi-ref = link\n")
    assert cli(case, ".").returncode == 2


# Characters str.splitlines() and YAML take for line ends; editors, grep and GitHub do not.
NOT_LINE_ENDS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def test_line_numbers_count_only_lf_crlf_and_cr() -> None:
    text = (f"Things\n======\n\nA paragraph with {NOT_LINE_ENDS} inside one line.\r\n\r\n"
            ".. rest_method:: GET /things\r\rRequest\n-------\n\n.. rest_parameters:: parameters.yaml\n\n"
            "  - oops\n")
    ref = read({"things.inc": text, "parameters.yaml": PARAMETERS})
    assert [(p.line, p.reason.split(": ", 1)[1]) for p in ref.problems] == [
        (13, "expected a '- name: entry' item, got '- oops'")]
    assert [(s.line, [p.line for p in s.parts]) for s in ref.sections] == [(6, [8])]
    # YAML refuses the control characters among them, and reads the others as line ends.
    yaml_text = (f"thing_name:\n  in: body\n  description: \"{NOT_LINE_ENDS[5:]}\"\r\n"
                 "thing_colour:\r  in: form\nthing_size:\n  min_version: [1]\n")
    entries, problems = read_parameters(Path("parameters.yaml"), yaml_text)
    assert entries is not None and entries["thing_name"].line == 1
    assert [p.line for p in problems] == [5, 7]
    _, problems = read_parameters(Path("parameters.yaml"), f"a: \"{NOT_LINE_ENDS[5:]}\"\nb: [\n")
    assert [(p.line, p.col) for p in problems] == [(2, 0)]  # the end of the text, on its last line


@pytest.mark.slow  # four runs over the nova-era case
def test_warm_runs_follow_the_choice_of_reference(tmp_path: Path) -> None:
    case = tmp_path / "nova_era"
    shutil.copytree(NOVA_ERA, case)
    cache = tmp_path / "cache"

    def both() -> tuple[list[str], list[str]]:
        return (lint_lines(case, select=["RVL6", "RVL9"], cache_dir=cache),
                lint_lines(case, select=["RVL6", "RVL9"], cold=True))

    warm, cold = both()
    assert warm == cold and findings_of("\n".join(warm)) == expected_of(NOVA_ERA / "expected.txt")
    # The service's reference stops documenting its routes: the compute one, documenting one, is chosen.
    kettles = case / "placement-api-ref/source/kettles.inc"
    kettles.write_text(kettles.read_text().replace(".. rest_method:: GET /kettles", ".. rest_method:: GET /pots")
                       .replace(".. rest_method:: PUT /kettles", ".. rest_method:: PUT /pots"))
    warm, cold = both()
    assert warm == cold and {row[0] for row in findings_of("\n".join(warm))} == {"api-ref/source/servers.inc"}


# -- RVL605: what the schemas require ----------------------------------------------------------

def _schemas(tmp_path: Path, text: str) -> dict[str, object]:
    """The schema evaluator's values of every constant of a module holding `text`."""
    from reviewlint.model.schemas import evaluator_for
    from reviewlint.model.project import forget_projects

    (tmp_path / "setup.cfg").write_text("[metadata]\nname = teapot\n")
    (tmp_path / "teapot").mkdir()
    (tmp_path / "teapot" / "__init__.py").write_text("")
    module = tmp_path / "teapot" / "schema.py"
    module.write_text(text)
    forget_projects()
    try:
        evaluator = evaluator_for(Project(tmp_path, Config()))
        return {name: evaluator.constant(module.resolve(), name) for name in ("A", "B", "C")}
    finally:
        forget_projects()


def test_the_evaluator_applies_append_and_extend_to_lists(tmp_path: Path) -> None:
    from reviewlint.model.schemas import Unknown

    found = _schemas(tmp_path, "import copy\nA = {'required': ['x']}\nB = copy.deepcopy(A)\n"
                               "B['required'].append('y')\nB['required'].extend(['z'])\n"
                               "C = {'required': ['x']}\nC['required'].remove('x')\n")
    assert [item.value for item in found["A"].entries["required"].items] == ["x"]  # type: ignore[attr-defined]
    assert [item.value for item in found["B"].entries["required"].items] == ["x", "y", "z"]  # type: ignore
    items = found["C"].entries["required"].items  # type: ignore[attr-defined]
    assert len(items) == 1 and isinstance(items[0], Unknown)  # changed some other way: not known


def test_acceptance_knows_which_names_are_required_in_their_own_object(tmp_path: Path) -> None:
    from reviewlint.analysis.route_contract import acceptance
    from reviewlint.analysis.values import Schema

    found = _schemas(tmp_path, (
        "A = {'type': 'object', 'properties': {'a': {}, 'b': {'type': 'object', 'properties': {'c': {}, 'd': {}},"
        " 'required': ['c']}}, 'required': ['a']}\n"
        "B = {'type': 'object', 'properties': {'a': {}, 'b': {}}, 'anyOf': [{'required': ['a']}]}\n"
        "C = {'type': 'object', 'properties': {'a': {}, 'n': {'type': 'object', 'properties': {'a': {}}}},"
        " 'required': ['a', 'n']}\n"))
    first = acceptance(Schema(found["A"], "A"), body=True)
    assert (first.required, first.optional) == ({"a", "c"}, {"b", "d"})
    combined = acceptance(Schema(found["B"], "B"), body=True)  # anyOf may require either: neither is known
    assert (combined.required, combined.optional) == (frozenset(), frozenset())
    mixed = acceptance(Schema(found["C"], "C"), body=True)  # `a` required at the top, optional in `n`
    assert (mixed.required, mixed.optional) == ({"n"}, frozenset())
    query = acceptance(Schema(found["A"], "A"), body=False)  # a query schema: its top level only
    assert (query.required, query.optional) == ({"a"}, {"b"})
