"""--fix and --diff: RVL101/RVL102 autofixes, atomic writes, nothing written unless asked."""

from __future__ import annotations

import ast
import shutil
import stat
from pathlib import Path

import pytest

from conftest import CASES, findings_of, run_cli


@pytest.fixture
def case(tmp_path: Path) -> Path:
    target = tmp_path / "rvl1"
    shutil.copytree(CASES / "rvl1", target)
    return target


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_diff_prints_fixes_and_writes_nothing(case: Path) -> None:
    before = snapshot(case)
    result = run_cli("--select", "RVL1", "--diff", ".", cwd=case)
    assert result.returncode == 1
    assert snapshot(case) == before
    assert "+@util.require_content('application/json')\n def create_widget(req):" in result.stdout
    assert "+@microversion.version_handler('1.0', '1.1')\n @util.check_accept('application/json')" \
        in result.stdout


def test_fix_rewrites_then_reports_what_is_left(case: Path) -> None:
    handlers = case / "svc/handlers"
    (handlers / "rvl102.py").chmod(0o640)
    result = run_cli("--select", "RVL1", "--fix", ".", cwd=case)
    assert "fixed 4 finding(s) in 2 file(s)" in result.stderr
    left = findings_of(result.stdout)
    assert ("svc/handlers/rvl101.py", 25, "RVL101") in left  # reads through a helper, no JSON: no fix
    assert ("svc/handlers/rvl101.py", 64, "RVL101") in left  # form body: the media type is unknown
    assert not [row for row in left if row[2] == "RVL102"]
    for path in handlers.glob("*.py"):
        ast.parse(path.read_text())
    assert stat.S_IMODE((handlers / "rvl102.py").stat().st_mode) == 0o640
    assert not list(handlers.glob(".*reviewlint"))
    again = run_cli("--select", "RVL1", "--fix", ".", cwd=case)
    assert again.stderr == ""
    assert findings_of(again.stdout) == left


def test_suppressed_findings_are_not_fixed(case: Path) -> None:
    source = (case / "svc/handlers/rvl101.py").read_text()
    run_cli("--select", "RVL1", "--fix", ".", cwd=case)
    fixed = (case / "svc/handlers/rvl101.py").read_text()
    assert "def patch_widget(req):  # noqa: RVL101" in fixed
    start = fixed.index("def patch_widget")
    assert fixed[fixed.rindex("\n\n", 0, start):start].count("require_content") == 0
    assert source != fixed


def test_fix_refuses_stdin(case: Path) -> None:
    result = run_cli("--fix", "--stdin-filename", "svc/handlers/rvl101.py", cwd=case, stdin="x = 1\n")
    assert result.returncode == 2
    assert "--fix and --diff work on files" in result.stderr
