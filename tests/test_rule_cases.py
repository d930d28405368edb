"""RVL1xx and RVL2xx on their case projects: exact codes and lines, via the CLI and flake8.

The first four tests are the families' agreement tests through the real
binaries; the rest ask the in-process harness.
"""

from __future__ import annotations

import pytest

from conftest import CASES, Command, expected_of, findings_of, run_cli, run_flake8
from harness import lint_lines, lint_tree

FAMILIES = {"rvl1": "RVL1", "rvl2": "RVL2"}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_cli_reports_exactly_the_expected_findings(family: str) -> None:
    case = CASES / family
    result = run_cli("--select", FAMILIES[family], ".", cwd=case)
    assert result.stderr == ""
    assert result.returncode == 1
    assert sorted(findings_of(result.stdout)) == expected_of(case / "expected.txt")


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_flake8_reports_the_same_findings(family: str) -> None:
    case = CASES / family
    result = run_flake8("--select", FAMILIES[family], ".", cwd=case)
    assert result.stderr == ""
    assert sorted(findings_of(result.stdout)) == expected_of(case / "expected.txt")


def test_flake8_on_stdin_with_display_name_matches_the_file(flake8: Command) -> None:
    case = CASES / "rvl1"
    source = (case / "svc/handlers/rvl101.py").read_text()
    result = flake8("--select", "RVL", "--stdin-display-name", "svc/handlers/rvl101.py", "-",
                    cwd=case, stdin=source)
    rows = [row for row in findings_of(result.stdout) if row[2].startswith("RVL1")]
    expected = [row for row in expected_of(case / "expected.txt") if row[0] == "svc/handlers/rvl101.py"]
    assert rows == expected


def test_stdin_content_wins_over_the_file_on_disk() -> None:
    case = CASES / "rvl1"
    source = (case / "svc/handlers/rvl104.py").read_text().replace(
        "@util.require_content('application/json')\ndef delete_sprocket", "def delete_sprocket")
    assert source != (case / "svc/handlers/rvl104.py").read_text()
    assert lint_tree(case, select=["RVL1"], stdin=("svc/handlers/rvl104.py", source)) == []


def test_messages_name_the_handler_and_the_problem() -> None:
    lines = lint_lines(CASES / "rvl1", "svc/handlers", select=["RVL101", "RVL102", "RVL103"])
    assert ("svc/handlers/rvl101.py:17:1: RVL101 handler rvl101.create_widget reads the request body "
            "without @require_content") in lines
    assert any("RVL102 @require_content on handler rvl102.create_gadget must sit below @PlacementWsgify" in line
               for line in lines)
    assert any("requires content 'text/plain' but decodes the body as JSON" in line for line in lines)


def test_open_object_message_names_schema_path_and_handlers() -> None:
    # It said "declares patternProperties without "additionalProperties": False; request body of
    # rvl203.update_thing": a fix, and no word of the versions at which the schema is in force.
    assert ("svc/schemas/widget.py:25:42: RVL203 schema PUT_WIDGET_V1_1: object at $.properties.parts accepts keys "
            "that no pattern of its patternProperties matches, with any value (no \"additionalProperties\"); "
            "in force for handler rvl203.update_thing at 1.1"
            ) in lint_lines(CASES / "rvl2", select=["RVL203"])


def test_family_selection_hides_other_families() -> None:
    # The rvl1 case has findings of RVL1 to RVL5: each selection keeps exactly its family's.
    assert lint_tree(CASES / "rvl1", select=["RVL2"]) == [
        ("svc/handlers/rvl101.py", 34, "RVL201"),  # `return req.json`, never validated
        ("svc/handlers/rvl101.py", 40, "RVL201"),  # the same in the 1.2 redefinition
        ("svc/handlers/rvl103.py", 20, "RVL201"),  # `data = jsonutils.loads(req.body)`: extract_json checks req.body
    ]
    rvl1 = expected_of(CASES / "rvl1" / "expected.txt")
    assert lint_tree(CASES / "rvl1", ignore=["RVL2", "RVL3", "RVL4", "RVL5"]) == rvl1
    assert lint_tree(CASES / "rvl1", ignore=["RVL1", "RVL2", "RVL3", "RVL4", "RVL5"]) == []
