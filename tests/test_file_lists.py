"""A file-list run (pre-commit, an editor, CI shards) reports what the files hold and what they can change.

Findings located in the files given, and findings elsewhere that those
files can change: the reference sections of a named handler's own routes,
of the routes whose handlers validate with a named schema module's
schemas, and of every route a named helper may reach; never unrelated
ones (issue 27, item 1).
"""

from __future__ import annotations

import pytest

from conftest import EXAMPLE, Command, expected_of, findings_of, real_source_tree, REPO

EXPECTED = expected_of(REPO / "tests" / "expected" / "example.txt")


def _in(*paths: str) -> list[tuple[str, int, str]]:
    return [row for row in EXPECTED if row[0] in paths]


@pytest.mark.parametrize("named, elsewhere", [
    # Before: every RVL6xx of the reference, those of the crate routes included.
    ("depot/handlers/shelf.py", [("api-ref/source/parameters.yaml", 47, "RVL605"),
                                 ("api-ref/source/shelves.inc", 19, "RVL603")]),
    ("depot/handlers/crate.py", [row for row in _in("api-ref/source/crates.inc", "api-ref/source/parameters.yaml")
                                 if row != ("api-ref/source/parameters.yaml", 47, "RVL605")]),  # a shelf route's
    # POST /crates validates with POST_CRATE_V1_1 from it; GET /crates/{uuid} has no schema.
    ("depot/schemas/crate.py", [("api-ref/source/parameters.yaml", 20, "RVL601")]),
])
def test_a_named_python_file_brings_only_the_reference_sections_it_can_change(
        command: Command, named: str, elsewhere: list[tuple[str, int, str]]) -> None:
    rows = findings_of(command("--no-cache", named, cwd=EXAMPLE).stdout)
    assert rows == sorted(_in(named) + elsewhere)


@pytest.mark.parametrize("named", ["api-ref/source/crates.inc", "api-ref/source/parameters.yaml"])
def test_a_named_reference_file_gets_its_own_findings(command: Command, named: str) -> None:
    assert findings_of(command("--no-cache", named, cwd=EXAMPLE).stdout) == _in(named)


def test_the_routes_module_changes_every_route(command: Command) -> None:
    rows = findings_of(command("--no-cache", "depot/handler.py", cwd=EXAMPLE).stdout)
    assert rows == _in("depot/handler.py", "api-ref/source/crates.inc", "api-ref/source/parameters.yaml",
                       "api-ref/source/shelves.inc")


@pytest.mark.realtree
def test_naming_trait_py_on_the_placement_sdist_reports_nothing_about_allocations() -> None:
    # Before: seven RVL602/RVL604 in allocations.inc, resource_provider_allocations.inc and
    # usages.inc, and exit 1, where `--stdin-filename placement/handlers/trait.py` gave nothing.
    from conftest import run_cli

    root = real_source_tree("openstack-placement", "16.0.0")
    result = run_cli("--no-cache", "placement/handlers/trait.py", cwd=root)
    assert (result.returncode, result.stdout) == (0, "")
    allocation = findings_of(run_cli("--no-cache", "placement/handlers/allocation.py", cwd=root).stdout)
    assert {path for path, _, _ in allocation} == {"api-ref/source/allocations.inc",
                                                   "api-ref/source/resource_provider_allocations.inc",
                                                   "api-ref/source/parameters.yaml",  # RVL605's responses
                                                   "placement/handlers/allocation.py"}  # its own RVL407
