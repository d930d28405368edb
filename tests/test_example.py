"""The bundled example project: every rule fires where it should, nowhere else."""

from __future__ import annotations

from conftest import EXAMPLE, Command, expected_of, findings_of, run_cli
from harness import lint_tree

EXPECTED = expected_of(EXAMPLE.parent.parent.parent / "tests" / "expected" / "example.txt")
# RVL400 needs a project without routes, versions or tests, RVL9xx a broken file:
# the cases show those, the example is a sound project with review mistakes.
NOT_IN_EXAMPLE = {"RVL400", "RVL900", "RVL901"}


def test_the_example_reports_exactly_the_expected_findings() -> None:
    assert lint_tree(EXAMPLE) == EXPECTED


def test_the_cli_on_the_example_agrees(command: Command) -> None:
    result = command(".", cwd=EXAMPLE)
    assert result.returncode == 1
    assert result.stderr == ""
    assert sorted(findings_of(result.stdout)) == EXPECTED


def test_readme_command_from_the_repository_root() -> None:
    result = run_cli("reviewlint/fixtures/example", cwd=EXAMPLE.parent.parent.parent)
    prefix = "reviewlint/fixtures/example/"
    assert sorted([(p.removeprefix(prefix), line, code) for p, line, code in findings_of(result.stdout)]) == EXPECTED


def test_flake8_on_the_example_agrees(flake8: Command) -> None:
    # flake8 reads Python files only: the API reference's findings (RVL6xx) are the CLI's.
    result = flake8("--select", "RVL", ".", cwd=EXAMPLE)
    assert sorted(findings_of(result.stdout)) == [row for row in EXPECTED if row[0].endswith(".py")]


def test_every_rule_code_fires_in_the_example() -> None:
    from reviewlint.rules import rule_classes

    fired = [code for _, _, code in EXPECTED]
    codes = {rule.code for rule in rule_classes()}
    assert NOT_IN_EXAMPLE <= codes
    assert sorted(fired) == sorted(codes - NOT_IN_EXAMPLE)  # each code exactly once
