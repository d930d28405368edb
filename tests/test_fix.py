"""--fix and --diff: RVL101/RVL102 autofixes, atomic writes, nothing written unless asked."""

from __future__ import annotations

import ast
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CASES, Command, findings_of, run_cli
from harness import cli


@pytest.fixture
def case(tmp_path: Path) -> Path:
    target = tmp_path / "rvl1"
    shutil.copytree(CASES / "rvl1", target)
    return target


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_diff_prints_fixes_and_writes_nothing(command: Command, case: Path) -> None:
    before = snapshot(case)
    result = command("--select", "RVL1", "--diff", ".", cwd=case)
    assert result.returncode == 1
    assert snapshot(case) == before
    assert "+@util.require_content('application/json')\n def create_widget(req):" in result.stdout
    assert "+@microversion.version_handler('1.0', '1.1')\n @util.check_accept('application/json')" \
        in result.stdout


def test_fix_rewrites_then_reports_what_is_left(command: Command, case: Path) -> None:
    handlers = case / "svc/handlers"
    (handlers / "rvl102.py").chmod(0o640)
    result = command("--select", "RVL1", "--fix", ".", cwd=case)
    assert "fixed 4 finding(s) in 2 file(s)" in result.stderr
    left = findings_of(result.stdout)
    assert ("svc/handlers/rvl101.py", 25, "RVL101") in left  # reads through a helper, no JSON: no fix
    assert ("svc/handlers/rvl101.py", 64, "RVL101") in left  # form body: the media type is unknown
    assert not [row for row in left if row[2] == "RVL102"]
    for path in handlers.glob("*.py"):
        ast.parse(path.read_text())
    assert stat.S_IMODE((handlers / "rvl102.py").stat().st_mode) == 0o640
    assert not list(handlers.glob(".*reviewlint"))
    again = command("--select", "RVL1", "--fix", ".", cwd=case)
    assert again.stderr == ""
    assert findings_of(again.stdout) == left


def test_suppressed_findings_are_not_fixed(command: Command, case: Path) -> None:
    source = (case / "svc/handlers/rvl101.py").read_text()
    command("--select", "RVL1", "--fix", ".", cwd=case)
    fixed = (case / "svc/handlers/rvl101.py").read_text()
    assert "def patch_widget(req):  # noqa: RVL101" in fixed
    start = fixed.index("def patch_widget")
    assert fixed[fixed.rindex("\n\n", 0, start):start].count("require_content") == 0
    assert source != fixed


def test_fix_refuses_stdin(command: Command, case: Path) -> None:
    result = command("--fix", "--stdin-filename", "svc/handlers/rvl101.py", cwd=case, stdin="x = 1\n")
    assert result.returncode == 2
    assert "--fix and --diff work on files" in result.stderr


# -- safety: what --fix keeps, and what it refuses to touch --------------------------------------------

RVL101 = Path("svc/handlers/rvl101.py")


@pytest.fixture(scope="module")
def fixed_rvl101(tmp_path_factory: pytest.TempPathFactory) -> str:
    """rvl101.py as --fix leaves it in a pristine copy of the case."""
    target = tmp_path_factory.mktemp("reference") / "rvl1"
    shutil.copytree(CASES / "rvl1", target)
    result = cli(target, "--select", "RVL1", "--fix", ".")
    assert "fixed" in result.stderr
    return (target / RVL101).read_text()


def fix(command: Command, case: Path, *extra: str) -> subprocess.CompletedProcess:
    return command("--select", "RVL1", "--fix", *extra, ".", cwd=case)


def test_fix_keeps_a_coding_cookie_and_its_encoding(command: Command, case: Path, fixed_rvl101: str) -> None:
    source = (case / RVL101).read_text()
    (case / RVL101).write_bytes(("# -*- coding: latin-1 -*-\nNAME = 'caf\u00e9'\n" + source).encode("latin-1"))
    result = fix(command, case)
    assert "fixed" in result.stderr, result.stderr
    data = (case / RVL101).read_bytes()
    assert data.startswith(b"# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\n")
    assert data.decode("latin-1") == "# -*- coding: latin-1 -*-\nNAME = 'caf\u00e9'\n" + fixed_rvl101
    assert "RVL900" not in result.stdout


def test_fix_keeps_a_bom_and_crlf_newlines(command: Command, case: Path, fixed_rvl101: str) -> None:
    source = (case / RVL101).read_text()
    (case / RVL101).write_bytes(b"\xef\xbb\xbf" + source.replace("\n", "\r\n").encode())
    assert "fixed" in fix(command, case).stderr
    data = (case / RVL101).read_bytes()
    assert data == b"\xef\xbb\xbf" + fixed_rvl101.replace("\n", "\r\n").encode()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another owner")
def test_fix_keeps_owner_and_mode(command: Command, case: Path) -> None:
    os.chown(case / RVL101, 65534, 65534)
    (case / RVL101).chmod(0o604)
    assert "fixed" in fix(command, case).stderr
    status = (case / RVL101).stat()
    assert (status.st_uid, status.st_gid, stat.S_IMODE(status.st_mode)) == (65534, 65534, 0o604)


def test_fix_writes_through_a_link_inside_the_project(command: Command, case: Path, fixed_rvl101: str) -> None:
    (case / "svc/impl").mkdir()
    (case / RVL101).rename(case / "svc/impl/rvl101.py")
    (case / RVL101).symlink_to("../impl/rvl101.py")
    assert "fixed" in fix(command, case).stderr
    assert (case / RVL101).is_symlink()
    assert (case / "svc/impl/rvl101.py").read_text() == fixed_rvl101


def test_fix_refuses_a_link_out_of_the_project(command: Command, case: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    (case / RVL101).rename(outside)
    before = outside.read_bytes()
    (case / RVL101).symlink_to(outside)
    result = fix(command, case)
    assert f"reviewlint: not fixing {RVL101}: it is a link to {outside}, outside the project" in result.stderr
    assert outside.read_bytes() == before and (case / RVL101).is_symlink()
    assert "Traceback" not in result.stderr


def test_fix_refuses_hard_linked_and_read_only_files(command: Command, case: Path, tmp_path: Path) -> None:
    before = (case / RVL101).read_bytes()
    os.link(case / RVL101, tmp_path / "twin.py")
    result = fix(command, case)
    assert f"reviewlint: not fixing {RVL101}: it has 2 hard links, which a rewrite would split" in result.stderr
    assert (case / RVL101).read_bytes() == before and (case / RVL101).stat().st_nlink == 2
    (tmp_path / "twin.py").unlink()
    (case / RVL101).chmod(0o444)
    result = fix(command, case)
    assert f"reviewlint: not fixing {RVL101}: it is read-only" in result.stderr
    assert (case / RVL101).read_bytes() == before
    assert stat.S_IMODE((case / RVL101).stat().st_mode) == 0o444


def test_fix_in_a_read_only_directory_is_one_line(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    from reviewlint.app import cli
    from reviewlint.model import project

    before = (case / RVL101).read_bytes()

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    monkeypatch.chdir(case)
    project.forget_projects()
    errors: list[str] = []
    monkeypatch.setattr(cli, "_warn", errors.append)
    try:
        assert cli.main(["--select", "RVL1", "--fix", "."]) == 1
    finally:
        project.forget_projects()
    assert f"not fixing {RVL101}: cannot write in its directory: Permission denied" in errors
    assert (case / RVL101).read_bytes() == before


def test_fix_refuses_what_libcst_would_not_reproduce(command: Command, case: Path) -> None:
    source = (case / RVL101).read_text().replace("\n\n\n@wsgi_wrapper.PlacementWsgify\ndef create_widget",
                                                 "\n\n\n\f@wsgi_wrapper.PlacementWsgify\ndef create_widget")
    (case / RVL101).write_text(source)
    result = fix(command, case)
    assert f"not fixing {RVL101}: LibCST does not reproduce it byte for byte" in result.stderr
    assert (case / RVL101).read_text() == source


def test_fix_refuses_a_file_changed_since_it_was_read(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reviewlint.app import engine
    from reviewlint.model import project
    from reviewlint.app.fix import apply_fixes

    monkeypatch.chdir(case)
    project.forget_projects()
    run = engine.start_run(Path("."), None, {"select": ("RVL1",)})
    findings = engine.lint_paths(run, [Path(".")])
    (case / RVL101).write_text((case / RVL101).read_text() + "\n# edited meanwhile\n")
    warnings: list[str] = []
    changes = apply_fixes(run, findings, write=True, warn=warnings.append)
    project.forget_projects()
    assert [c.path for c in changes] == [Path("svc/handlers/rvl102.py")]
    assert warnings == [f"not fixing {RVL101}: it changed since it was read (another run fixed it?)"]
    assert (case / RVL101).read_text().endswith("# edited meanwhile\n")


def test_diff_with_fix_writes_nothing(command: Command, case: Path) -> None:
    before = snapshot(case)
    result = command("--select", "RVL1", "--fix", "--diff", ".", cwd=case)
    assert result.returncode == 1
    assert "+@util.require_content('application/json')" in result.stdout
    assert snapshot(case) == before


@pytest.mark.slow  # rounds of two processes fixing at once
def test_concurrent_fixes_leave_every_file_before_or_after(case: Path, tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    shutil.copytree(case, reference)
    original = snapshot(case)
    fix(run_cli, reference)
    fixed = snapshot(reference)
    assert fixed != original
    for _ in range(3):
        runs = [subprocess.Popen([sys.executable, "-m", "reviewlint", "--select", "RVL1", "--fix", "."], cwd=case,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outputs = [process.communicate(timeout=300) for process in runs]
        assert all("Traceback" not in err for _, err in outputs), outputs
        now = snapshot(case)
        assert set(now) == set(original)  # no temporary file left behind
        for name, data in now.items():
            assert data in (original[name], fixed[name]), name
        assert now == fixed
        for name, data in original.items():
            (case / name).write_bytes(data)
