"""Real OpenStack releases, run from their roots with zero configuration.

docs/real-world.md triages every finding: each tree's section has a table
whose rows are `path:line` and code. These tests hold the CLI and flake8
(its default --jobs) to exactly those rows, so the document stays true.
"""

from __future__ import annotations

import re

import pytest

from conftest import REPO, findings_of, real_tree, run_cli, run_flake8

pytestmark = pytest.mark.realtree

Row = tuple[str, int, str]

TREES = [("openstack-placement", "16.0.0"), ("openstack-placement", "1.0.0"), ("nova", "18.0.2"),
         ("nova", "34.0.0")]

_SECTION = re.compile(r"^## (?P<dist>[\w-]+) (?P<version>\d+\.\d+\.\d+)\b", re.M)
_ROW = re.compile(r"^\| `(?P<path>[^`:]+):(?P<line>\d+)` \| (?P<code>RVL\d{3}) \|", re.M)


def triaged() -> dict[tuple[str, str], list[Row]]:
    """The findings docs/real-world.md lists, per (distribution, version)."""
    text = (REPO / "docs" / "real-world.md").read_text()
    heads = list(_SECTION.finditer(text))
    sections = {}
    for head, after in zip(heads, heads[1:] + [None]):
        body = text[head.end():after.start() if after else len(text)]
        sections[head["dist"], head["version"]] = sorted(
            (row["path"], int(row["line"]), row["code"]) for row in _ROW.finditer(body))
    return sections


def test_the_document_has_a_section_per_tree() -> None:
    assert sorted(triaged()) == sorted(TREES)
    assert triaged()["openstack-placement", "16.0.0"][0] == ("placement/handlers/inventory.py", 45, "RVL301")


@pytest.mark.parametrize("dist, version", TREES)
def test_cli_from_the_root_reports_exactly_the_triaged_findings(dist: str, version: str) -> None:
    result = run_cli(cwd=real_tree(dist, version))
    assert result.stderr == ""
    assert findings_of(result.stdout) == triaged()[dist, version]
    assert result.returncode == (1 if result.stdout else 0)


@pytest.mark.parametrize("dist, version", TREES)
def test_flake8_from_the_root_agrees(dist: str, version: str) -> None:
    # flake8 reports a file it cannot parse as its own E999, not as RVL900.
    result = run_flake8("--select", "RVL", cwd=real_tree(dist, version))
    assert result.stderr == ""
    assert sorted(findings_of(result.stdout)) == [row for row in triaged()[dist, version] if row[2] != "RVL900"]


def _console_output(readme: str, command: str) -> list[str]:
    """The lines the README shows after `$ COMMAND`, up to the next prompt or the end of the block."""
    block = readme.split(f"$ {command}\n", 1)[1].split("```", 1)[0]
    return block.split("\n$ ", 1)[0].splitlines()


def _shown_in(shown: str, actual: list[str]) -> bool:
    """A README line is an output line, or that line with parts trimmed to `…`."""
    pattern = ".*".join(re.escape(part) for part in shown.split("…"))
    return any(re.fullmatch(pattern, line) for line in actual)


def test_the_readme_demo_is_what_placement_16_gives() -> None:
    readme = (REPO / "README.md").read_text()
    tree = real_tree("openstack-placement", "16.0.0")
    for command in ("reviewlint --show-project", "reviewlint"):
        actual = run_cli(*command.split()[1:], cwd=tree).stdout.splitlines()
        shown = [line for line in _console_output(readme, command) if not line.startswith("root: ")]
        assert shown and all(_shown_in(line, actual) for line in shown), command
    assert len(_console_output(readme, "reviewlint")) == len(triaged()["openstack-placement", "16.0.0"])
