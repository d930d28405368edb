"""Real OpenStack releases, run from their roots with zero configuration.

docs/real-world.md triages every finding: each tree's section has a table
whose rows are `path:line` and code. These tests hold the CLI and flake8
(its default --jobs) to exactly those rows, so the document stays true.
Wheels hold the code; the *sdist* sections are source releases, whose
`api-ref/` the RVL6xx rules read.
"""

from __future__ import annotations

import re

import pytest

from conftest import REPO, findings_of, real_source_tree, real_tree, run_cli, run_flake8

pytestmark = pytest.mark.realtree

Row = tuple[str, int, str]

TREES = [("openstack-placement", "16.0.0"), ("openstack-placement", "1.0.0"), ("nova", "18.0.2"),
         ("nova", "34.0.0")]
SOURCE_TREES = [("openstack-placement", "16.0.0"), ("openstack-placement", "1.0.0")]

_HEADING = re.compile(r"^## .*$", re.M)
_SECTION = re.compile(r"^## (?P<dist>[\w-]+) (?P<version>\d+\.\d+\.\d+)(?P<sdist> sdist)?\b")
_ROW = re.compile(r"^\| `(?P<path>[^`:]+):(?P<line>\d+)` \| (?P<code>RVL\d{3}) \|", re.M)


def _sections() -> dict[tuple[str, str, bool], list[Row]]:
    """The findings docs/real-world.md lists, per (distribution, version, sdist)."""
    text = (REPO / "docs" / "real-world.md").read_text()
    heads = list(_HEADING.finditer(text))
    sections = {}
    for head, after in zip(heads, heads[1:] + [None]):
        named = _SECTION.match(head.group())
        if named is None:
            continue
        body = text[head.end():after.start() if after else len(text)]
        sections[named["dist"], named["version"], bool(named["sdist"])] = sorted(
            (row["path"], int(row["line"]), row["code"]) for row in _ROW.finditer(body))
    return sections


def triaged() -> dict[tuple[str, str], list[Row]]:
    """The findings docs/real-world.md lists for each wheel, per (distribution, version)."""
    return {(dist, version): rows for (dist, version, sdist), rows in _sections().items() if not sdist}


def triaged_sources() -> dict[tuple[str, str], list[Row]]:
    """The findings docs/real-world.md lists for each source release (with its API reference)."""
    return {(dist, version): rows for (dist, version, sdist), rows in _sections().items() if sdist}


def test_the_document_has_a_section_per_tree() -> None:
    assert sorted(triaged()) == sorted(TREES)
    assert sorted(triaged_sources()) == sorted(SOURCE_TREES)
    assert triaged()["openstack-placement", "16.0.0"][0] == ("placement/handlers/inventory.py", 45, "RVL301")
    # A source release's Python findings are its wheel's.
    for dist, version in SOURCE_TREES:
        python = [row for row in triaged_sources()[dist, version] if row[0].endswith(".py")]
        assert python == triaged()[dist, version]


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


@pytest.mark.parametrize("dist, version", SOURCE_TREES)
def test_cli_on_a_source_release_reports_exactly_the_triaged_findings(dist: str, version: str) -> None:
    result = run_cli(cwd=real_source_tree(dist, version))
    assert result.stderr == ""
    assert findings_of(result.stdout) == triaged_sources()[dist, version]
    assert result.returncode == 1


@pytest.mark.parametrize("dist, version", SOURCE_TREES)
def test_flake8_on_a_source_release_reports_the_python_findings(dist: str, version: str) -> None:
    result = run_flake8("--select", "RVL", cwd=real_source_tree(dist, version))
    assert result.stderr == ""
    assert sorted(findings_of(result.stdout)) == [row for row in triaged_sources()[dist, version]
                                                  if row[0].endswith(".py")]


def test_a_changed_handler_rechecks_the_reference_of_placement_16() -> None:
    # What pre-commit does when only placement/handlers/usage.py changed: the reference sections of
    # its own routes (before: all seven RVL6xx, the allocations' too).
    rows = findings_of(run_cli("placement/handlers/usage.py", cwd=real_source_tree("openstack-placement", "16.0.0"))
                       .stdout)
    assert rows == [row for row in triaged_sources()["openstack-placement", "16.0.0"]
                    if row[0] == "api-ref/source/usages.inc"]
    assert len(rows) == 2


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


def test_the_readme_api_reference_demo_is_what_placement_16_source_gives() -> None:
    readme = (REPO / "README.md").read_text()
    actual = run_cli("--select", "RVL6", cwd=real_source_tree("openstack-placement", "16.0.0")).stdout.splitlines()
    shown = _console_output(readme, "reviewlint --select RVL6")
    assert len(shown) == len(actual) and all(_shown_in(line, actual) for line in shown)
