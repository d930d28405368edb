"""The bundled example project: every rule fires where it should, nowhere else."""

from __future__ import annotations

from conftest import EXAMPLE, expected_of, findings_of, run_cli, run_flake8

EXPECTED = expected_of(EXAMPLE.parent.parent.parent / "tests" / "expected" / "example.txt")
FAMILIES = ("RVL1", "RVL2")  # widened as each family's demo lands in the example


def landed(rows: list[tuple[str, int, str]]) -> list[tuple[str, int, str]]:
    """The findings of the families whose demo is in the example."""
    return sorted(row for row in rows if row[2].startswith(FAMILIES))


def test_cli_on_the_example_reports_exactly_the_expected_findings() -> None:
    result = run_cli(".", cwd=EXAMPLE)
    assert result.returncode == 1
    assert result.stderr == ""
    assert landed(findings_of(result.stdout)) == EXPECTED


def test_readme_command_from_the_repository_root() -> None:
    result = run_cli("reviewlint/fixtures/example", cwd=EXAMPLE.parent.parent.parent)
    prefix = "reviewlint/fixtures/example/"
    assert landed([(p.removeprefix(prefix), line, code) for p, line, code in findings_of(result.stdout)]) == EXPECTED


def test_flake8_on_the_example_agrees() -> None:
    result = run_flake8("--select", "RVL", ".", cwd=EXAMPLE)
    assert landed(findings_of(result.stdout)) == EXPECTED


def test_every_rule_code_fires_in_the_example() -> None:
    from reviewlint.rules import rule_classes

    fired = {code for _, _, code in EXPECTED}
    checkable = {rule.code for rule in rule_classes() if rule.code.startswith(FAMILIES)}
    assert len(checkable) == 7
    assert checkable <= fired
