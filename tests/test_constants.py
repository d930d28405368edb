"""RVL3xx: undocumented constants and functions of handler modules, and their uses elsewhere."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conftest import CASES, Command, case_dirs, expected_of, findings_of, real_tree, run_cli, run_flake8
from harness import lint_lines, lint_tree
from reviewlint.core.config import load_config
from reviewlint.app.engine import Selection, lint_source
from reviewlint.model.project import Project

RVL3_CASES = case_dirs("rvl3")
SHARED = CASES / "rvl3" / "shared"


def test_every_rvl3_case_is_found() -> None:
    assert [case.name for case in RVL3_CASES] == ["documentation", "shared"]


@pytest.mark.parametrize("case", RVL3_CASES, ids=lambda case: case.name)
def test_each_case_reports_exactly_the_expected_lines(case: Path) -> None:
    assert lint_tree(case, select=["RVL3"]) == expected_of(case / "expected.txt")


# The family's agreement tests: the real binaries on the case with every RVL3 code.
def test_cli_reports_exactly_the_expected_lines() -> None:
    result = run_cli("--select", "RVL3", ".", cwd=SHARED)
    assert result.stderr == ""
    assert findings_of(result.stdout) == expected_of(SHARED / "expected.txt")
    assert result.returncode == 1


def test_flake8_reports_the_same_lines() -> None:
    result = run_flake8("--select", "RVL3", ".", cwd=SHARED)
    assert result.stderr == ""
    assert sorted(findings_of(result.stdout)) == expected_of(SHARED / "expected.txt")


def test_flake8_on_stdin_checks_a_non_handler_module_by_its_display_name(flake8: Command) -> None:
    source = (SHARED / "svc" / "reporting.py").read_text()
    result = flake8("--select", "RVL3", "--stdin-display-name", "svc/reporting.py", "-",
                    cwd=SHARED, stdin=source)
    assert findings_of(result.stdout) == [
        ("svc/reporting.py", 9, "RVL302"), ("svc/reporting.py", 10, "RVL302"), ("svc/reporting.py", 11, "RVL303"),
    ]


def test_cli_stdin_sees_the_edited_text_not_the_disk() -> None:
    # The editor added a comment above WIDGET_LIMIT: it is documented now.
    source = (SHARED / "svc" / "handlers" / "widget.py").read_text().replace(
        "WIDGET_LIMIT = 10", "# At most this many widgets per gadget.\nWIDGET_LIMIT = 10")
    assert lint_tree(SHARED, select=["RVL3"], stdin=("svc/handlers/widget.py", source)) == [
        ("svc/handlers/widget.py", 7, "RVL301"), ("svc/handlers/widget.py", 10, "RVL301")]


def test_messages_name_the_constant_the_function_and_the_module() -> None:
    lines = lint_lines(SHARED, "svc/reporting.py", "svc/handlers/widget.py", select=["RVL3"])
    assert lines[0] == ("svc/handlers/widget.py:7:1: RVL301 constant WIDGET_DEFAULTS of a handler module is not "
                        "documented: add a comment above it or a docstring after it")
    assert lines[3] == ("svc/reporting.py:9:13: RVL302 WIDGET_LIMIT is an undocumented constant of handler module "
                        "svc.handlers.widget: document it at its definition")
    assert lines[5] == ("svc/reporting.py:11:12: RVL303 make_widget() is a public function of handler module "
                        "svc.handlers.widget without a docstring: document it")


def test_noqa_naming_the_code_hides_a_use() -> None:
    source = (SHARED / "svc" / "reporting.py").read_text().replace(
        "w.WIDGET_DEFAULTS\n", "w.WIDGET_DEFAULTS  # noqa: RVL302\n")
    assert lint_tree(SHARED, select=["RVL3"], stdin=("svc/reporting.py", source)) == [
        ("svc/reporting.py", 9, "RVL302"), ("svc/reporting.py", 11, "RVL303")]


def test_the_prefilter_never_parses_a_module_that_cannot_use_a_shared_name() -> None:
    from reviewlint.app.prefilter import is_candidate

    project = Project(SHARED, load_config(SHARED))
    selection = Selection(("RVL3",))
    for name in ("unrelated.py", "near_miss.py", "util.py"):
        path = SHARED / "svc" / name
        assert lint_source(project, path, name, path.read_text(), selection) == []
        # No import names a handler module (near_miss.py only names widget's names), so none is parsed.
        assert not is_candidate(project, path, path.read_text())
    reporting = SHARED / "svc" / "reporting.py"
    assert is_candidate(project, reporting, reporting.read_text())


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = svc\n")
    for name, text in {"svc/__init__.py": "", "svc/handlers/__init__.py": "", **files}.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text))
    return tmp_path


HANDLER = '''
    import webob.dec


    @webob.dec.wsgify
    def show(req):
        return req.response
'''


def test_a_module_that_imports_a_package_of_handler_modules_resolves_through_it(tmp_path: Path) -> None:
    root = _project(tmp_path, {
        "svc/handlers/widget.py": "LIMIT = 1\n" + textwrap.dedent(HANDLER),
        "svc/report.py": "from svc import handlers\n\nlimit = handlers.widget.LIMIT\nagain = handlers.widget.LIMIT\n",
    })
    assert lint_tree(root, select=["RVL3"]) == [("svc/handlers/widget.py", 1, "RVL301"),
                                                ("svc/report.py", 3, "RVL302")]


# -- real trees ----------------------------------------------------------------------------
@pytest.mark.realtree
def test_placement_16_has_one_undocumented_constant_used_once_elsewhere() -> None:
    tree = real_tree("openstack-placement", "16.0.0")
    result = run_cli("--select", "RVL3", ".", cwd=tree)
    assert result.stderr == ""
    assert findings_of(result.stdout) == [
        ("placement/handlers/inventory.py", 45, "RVL301"),  # INVENTORY_DEFAULTS
        ("placement/handlers/reshaper.py", 87, "RVL302"),  # copy.copy(inventory.INVENTORY_DEFAULTS)
    ]
    assert "INVENTORY_DEFAULTS" in result.stdout.splitlines()[0]


@pytest.mark.realtree
def test_nova_18_placement_api_has_the_same_undocumented_constant_and_no_reshaper() -> None:
    tree = real_tree("nova", "18.0.2")
    result = run_cli("--select", "RVL3", "nova/api/openstack/placement", cwd=tree)
    assert result.stderr == ""
    assert findings_of(result.stdout) == [("nova/api/openstack/placement/handlers/inventory.py", 45, "RVL301")]


@pytest.mark.realtree
def test_flake8_on_placement_16_agrees_with_the_cli() -> None:
    tree = real_tree("openstack-placement", "16.0.0")
    result = run_flake8("--select", "RVL3,RVL5", "placement", cwd=tree)
    assert sorted(findings_of(result.stdout)) == [
        ("placement/handlers/inventory.py", 45, "RVL301"), ("placement/handlers/reshaper.py", 87, "RVL302"),
    ]


BLOCKS = '''\
"""A module whose constants sit in blocks."""
import sys

A, (B, C) = 1, (2, 3)
if sys.version_info >= (3, 11):
    D = 4
    E: int = 5
else:
    D = 6
try:
    F = 7
except ImportError:  # a one-line suite below is not walked by either
    if True: G = 8
finally:
    H = 9
class K:
    I = 10
J = 11
'''


@pytest.mark.parametrize("name, source", [("blocks", BLOCKS)] + sorted(
    (str(path.relative_to(CASES.parent)), path.read_text(encoding="utf-8"))
    for path in CASES.parent.rglob("*.py")))
def test_the_cheap_position_walker_agrees_with_the_libcst_one(name: str, source: str) -> None:
    # RVL301 places findings with Python's parser (binding_positions) rather
    # than LibCST's position metadata; both walkers must see the same statements.
    from reviewlint.core.config import Config
    from reviewlint.model.documentation import binding_positions, undocumented_constants
    from reviewlint.model.module import parse_module

    module = parse_module("svc.handlers.m", Path("m.py"), source, Config())
    found = undocumented_constants(module)
    positions = binding_positions(source)
    assert {n: positions.get(n) for n in found} == {n: module.position(node) for n, node in found.items()}
    if name == "blocks":
        assert sorted(found) == ["A", "D", "E", "F", "H", "J"]  # nested targets and one-line suites: neither
