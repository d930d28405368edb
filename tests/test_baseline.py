"""--write-baseline and --baseline: only new findings fail, moved code stays accepted."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import CASES, Command, findings_of


def test_baseline_hides_recorded_findings_even_after_code_moves(command: Command, tmp_path: Path) -> None:
    case = tmp_path / "rvl1"
    shutil.copytree(CASES / "rvl1", case)
    written = command("--select", "RVL1", "--write-baseline", "baseline.json", ".", cwd=case)
    assert written.returncode == 0 and written.stdout == ""
    assert "recorded 9 finding(s)" in written.stderr
    clean = command("--select", "RVL1", "--baseline", "baseline.json", ".", cwd=case)
    assert clean.returncode == 0 and clean.stdout == ""
    handlers = case / "svc/handlers/rvl104.py"
    handlers.write_text("\n\n\n" + handlers.read_text().replace(
        "def show_sprocket(req):", "def show_sprocket(req):\n    return req.body\n\n\n"
        "@wsgi_wrapper.PlacementWsgify\ndef old_show_sprocket(req):"))
    moved = command("--select", "RVL1", "--baseline", "baseline.json", ".", cwd=case)
    assert moved.returncode == 1
    assert [row[2] for row in findings_of(moved.stdout)] == ["RVL101"]
    assert "show_sprocket reads the request body" in moved.stdout


def test_malformed_or_missing_baseline_is_a_usage_error(command: Command, tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("")
    (tmp_path / "bad.json").write_text("{not json")
    bad = command("--baseline", "bad.json", ".", cwd=tmp_path)
    assert bad.returncode == 2 and "bad.json: malformed baseline" in bad.stderr
    missing = command("--baseline", "nope.json", ".", cwd=tmp_path)
    assert missing.returncode == 2 and "nope.json: baseline file not found" in missing.stderr
