"""The progress counter: only on long runs on a terminal, counting work left, leaving a clean line."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

from conftest import REPO

from reviewlint.app.cli import Progress


def _stderr_on_a_terminal(args: list[str], cwd: Path) -> tuple[int, bytes]:
    """Run the CLI with stderr on a pseudo-terminal; (exit status, what reached the terminal)."""
    master, slave = pty.openpty()
    chunks: list[bytes] = []
    try:
        process = subprocess.Popen([sys.executable, "-m", "reviewlint", *args], cwd=cwd, stderr=slave,
                                   stdout=subprocess.DEVNULL)
        while True:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                chunks.append(os.read(master, 4096))
            elif process.poll() is not None:
                break
    finally:
        os.close(slave)
        os.close(master)
    return process.wait(timeout=60), b"".join(chunks)


def test_a_one_file_run_on_a_terminal_writes_nothing_to_stderr() -> None:
    # Before: "\r\033[K" was written to the terminal even for one file.
    status, written = _stderr_on_a_terminal(["reviewlint/fixtures/example/depot/handlers/shelf.py"], REPO)
    assert status == 1
    assert written == b""


def test_progress_waits_for_long_runs_and_many_files() -> None:
    stream = io.StringIO()
    progress = Progress(stream, delay=60)
    progress(10, 1000)
    assert stream.getvalue() == ""
    progress = Progress(stream, delay=0, min_files=50)
    progress(1, 10)
    assert stream.getvalue() == ""
    progress.close()
    assert stream.getvalue() == ""


def test_progress_counts_and_leaves_a_clean_line() -> None:
    stream = io.StringIO()
    progress = Progress(stream, delay=0, min_files=2, interval=0)
    progress(3, 10)
    progress(10, 10)
    progress.close()
    assert stream.getvalue() == ("\r\033[Kreviewlint: 3/10 files checked\r\033[Kreviewlint: 10/10 files checked"
                                 "\r\033[K")


def test_files_count_as_done_only_when_their_syntax_check_is(tmp_path: Path) -> None:
    from reviewlint.app.engine import PARALLEL_SYNTAX_FROM, lint_paths, start_run

    (tmp_path / "setup.cfg").write_text("")
    for n in range(PARALLEL_SYNTAX_FROM + 10):
        (tmp_path / f"m{n:03}.py").write_text(f"VALUE = {n}\n")
    calls: list[tuple[int, int]] = []
    run = start_run(tmp_path, None, {})
    # Files named on the command line (pre-commit's way) are syntax-checked, on a pool, after the loop.
    named = sorted(tmp_path.glob("m*.py"))
    lint_paths(run, named, lambda done, total: calls.append((done, total)), jobs=2)
    total = PARALLEL_SYNTAX_FROM + 10
    assert all(t == total for _, t in calls)
    done = [d for d, _ in calls]
    assert done == sorted(done) and done[-1] == total
    # Before: the counter said every file was done before the (long) syntax check had started.
    assert done[:total] == [0] * total
