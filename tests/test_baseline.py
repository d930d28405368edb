"""--write-baseline and --baseline: only new findings fail, moved code stays accepted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import CASES, EXAMPLE, Command, findings_of


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


def test_recorded_findings_whose_messages_name_other_lines_survive_lines_added_above(
        command: Command, tmp_path: Path) -> None:
    # RVL602/RVL601/RVL604 name the gate or schema they rest on as `file.py:<line>`,
    # RVL502 the policy check's line: adding lines above must not make them new.
    example = tmp_path / "example"
    shutil.copytree(EXAMPLE, example)
    written = command("--write-baseline", "baseline.json", ".", cwd=example)
    assert written.returncode == 0
    for name in ("depot/handlers/crate.py", "depot/handlers/shelf.py", "depot/schemas/crate.py"):
        module = example / name
        module.write_text("# A comment.\n\n# Another.\n\n" + module.read_text())
    moved = command("--baseline", "baseline.json", ".", cwd=example)
    assert (moved.returncode, moved.stdout) == (0, "")


def test_a_baseline_written_with_positions_in_its_messages_still_matches(command: Command, tmp_path: Path) -> None:
    # Baselines written before position references were left out of the key still read.
    example = tmp_path / "example"
    shutil.copytree(EXAMPLE, example)
    found = command("--format", "json", ".", cwd=example)
    rows = json.loads(found.stdout)["findings"]
    assert any(":24" in row["message"] for row in rows)
    entries = [{"path": row["path"], "code": row["code"], "message": row["message"], "count": 1} for row in rows]
    (example / "old.json").write_text(json.dumps({"reviewlint-baseline": 1, "findings": entries}))
    module = example / "depot/handlers/crate.py"
    module.write_text("\n\n\n" + module.read_text())
    assert command("--baseline", "old.json", ".", cwd=example).stdout == ""
