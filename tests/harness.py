"""In-process linting for the tests, as pyflakes' `self.flakes(...)`: no process to start.

`lint_tree(root)` runs the engine on a project directory exactly as
`reviewlint .` run from that directory does (same discovery, selection,
`# noqa`, sorting and persistent cache) and returns `(path, line, code)`
rows, as `conftest.findings_of` reads them from the CLI's output. The
cache is the command's default, which conftest points at a directory of
this test session: a case linted again is read from it, as the command's
second run would be (`cold=True` is `--no-cache`). `lint_snippet` writes a
few files over a small Placement-style skeleton first.

`config=` is `--config FILE`, `stdin=(NAME, TEXT)` is `--stdin-filename
NAME` with TEXT piped in, and `lint_lines` gives the lines `reviewlint`
prints (text format, no colour). `cli` and `flake8_main` run the command's
and flake8's own `main` in this process: conftest's `command` and `flake8`
fixtures run a test of the command through them in the fast loop and
through the real binaries under `slow`.

Keep one CLI and one flake8 agreement test per family (the real binaries);
everything else about a rule is asked here.
"""

from __future__ import annotations

import io
import os
import sys
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping, Sequence

from reviewlint.core.findings import Finding

CASES = Path(__file__).resolve().parent.parent / "reviewlint" / "fixtures" / "cases"

# The skeleton a snippet is written over: a service package `svc` with the
# wsgify decorator, the request helpers, VERSIONS 1.0-1.2 and a handlers package.
SKELETON_FROM = CASES / "rvl1"
SKELETON = ("setup.cfg", "svc/__init__.py", "svc/microversion.py", "svc/util.py", "svc/wsgi_wrapper.py",
            "svc/handlers/__init__.py")

Row = tuple[str, int, str]


@contextmanager
def _cwd(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def lint_findings(root: Path, *paths: str, select: Sequence[str] | None = None,
                  ignore: Sequence[str] | None = None, extend_ignore: Sequence[str] = (),
                  config: str | Path | None = None, stdin: tuple[str, str] | None = None,
                  cache_dir: Path | None = None, cold: bool = False) -> list[Finding]:
    """The findings of `reviewlint PATHS` (default `.`) run from `root`.

    `config` is `--config FILE` (relative to `root` or absolute); `stdin=(name, text)`
    lints `text` as the file `name`, as `--stdin-filename name` with `text` piped in;
    `cache_dir` is `--cache-dir DIR`, `cold` is `--no-cache`.
    """
    from reviewlint.core.cache import cache_directory
    from reviewlint.app.engine import lint_paths, lint_stdin, start_run
    from reviewlint.model.project import forget_projects

    overrides: dict = {}
    if select is not None:
        overrides["select"] = tuple(select)
    if ignore is not None:
        overrides["ignore"] = tuple(ignore)
    forget_projects()  # a test may have rewritten the tree since the last run
    with _cwd(root):
        inputs = [Path(p) for p in paths] or [Path(".")]
        first = Path(stdin[0]) if stdin is not None else inputs[0]
        cache = None if cold else cache_directory(str(cache_dir) if cache_dir is not None else None)
        run = start_run(first, Path(config) if config is not None else None, overrides, tuple(extend_ignore), cache)
        try:
            if stdin is not None:
                assert not paths, "stdin takes no PATH"
                return lint_stdin(run, stdin[0], stdin[1].encode())
            return lint_paths(run, inputs, None, 1)
        finally:
            forget_projects()


def lint_tree(root: Path, *paths: str, select: Sequence[str] | None = None,
              ignore: Sequence[str] | None = None, extend_ignore: Sequence[str] = (),
              config: str | Path | None = None, stdin: tuple[str, str] | None = None,
              cold: bool = False) -> list[Row]:
    """(path, line, code) of each finding of `reviewlint PATHS` run from `root`, sorted."""
    return sorted((f.path, f.line, f.code) for f in lint_findings(
        root, *paths, select=select, ignore=ignore, extend_ignore=extend_ignore, config=config, stdin=stdin,
        cold=cold))


def lint_lines(root: Path, *paths: str, select: Sequence[str] | None = None,
               ignore: Sequence[str] | None = None, extend_ignore: Sequence[str] = (),
               config: str | Path | None = None, stdin: tuple[str, str] | None = None,
               cache_dir: Path | None = None, cold: bool = False) -> list[str]:
    """The lines `reviewlint PATHS` prints from `root` (`path:line:col: CODE message`), in its order."""
    return [f.to_text() for f in lint_findings(root, *paths, select=select, ignore=ignore, extend_ignore=extend_ignore,
                                               config=config, stdin=stdin, cache_dir=cache_dir, cold=cold)]


@dataclass
class Result:
    """What `cli` gives: as subprocess.CompletedProcess, for the fields the tests read."""

    returncode: int
    stdout: str
    stderr: str


def cli(root: Path, *args: str, stdin: str | None = None) -> Result:
    """`reviewlint ARGS` run from `root` in this process (its `main`, the same code as the command)."""
    from reviewlint.app.cli import main
    from reviewlint.model.project import forget_projects

    out, err = io.StringIO(), io.StringIO()
    before = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO((stdin or "").encode()))
    forget_projects()
    try:
        with _cwd(root), redirect_stdout(out), redirect_stderr(err):
            try:
                status = main(list(args))
            except SystemExit as exc:  # argparse's --help and --version
                status = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    finally:
        sys.stdin = before
        forget_projects()
    return Result(status, out.getvalue(), err.getvalue())


def flake8_main(root: Path, *args: str, stdin: str | None = None) -> Result:
    """`flake8 --isolated ARGS` run from `root` in this process: flake8's own `main`, serial (`--jobs=1`).

    The same option handling, `# noqa`, selection and output as the binary;
    a test whose subject is flake8's worker processes uses the binary.
    """
    import flake8.utils
    from flake8.main.cli import main

    from reviewlint.model.project import forget_projects
    from reviewlint.app.flake8_plugin import RUN_ENV

    assert not any(arg == "-j" or arg.startswith(("-j", "--jobs")) for arg in args), "workers: use the binary"
    out, err = io.TextIOWrapper(io.BytesIO(), write_through=True), io.StringIO()  # flake8 writes bytes
    before = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO((stdin or "").encode()))
    flake8.utils.stdin_get_value.cache_clear()
    forget_projects()
    serial = [] if "-" in args else ["--jobs=1"]  # flake8 reads stdin serially, and warns about --jobs
    run_env = os.environ.get(RUN_ENV)  # the plugin marks its run here; processes started later must not inherit it
    try:
        with _cwd(root), redirect_stdout(out), redirect_stderr(err):
            try:
                status = main(["--isolated", *serial, *args])
            except SystemExit as exc:  # --version, --help
                status = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    finally:
        sys.stdin = before
        flake8.utils.stdin_get_value.cache_clear()
        forget_projects()
        if run_env is None:
            os.environ.pop(RUN_ENV, None)
        else:
            os.environ[RUN_ENV] = run_env
    return Result(status, out.detach().getvalue().decode(), err.getvalue())


def write_files(root: Path, files: Mapping[str, str]) -> None:
    """Write `files` (relative path -> text) under `root`, making directories."""
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def write_service(root: Path, files: Mapping[str, str]) -> Path:
    """A bare service `svc` in `root` (setup.cfg and the package), then `files` over it; returns `root`."""
    write_files(root, {"setup.cfg": "[metadata]\nname = svc\n", "svc/__init__.py": "", **files})
    return root


def lint_snippet(root: Path, files: Mapping[str, str], select: Sequence[str] | None = None) -> list[Row]:
    """(path, line, code) for `files` written over the skeleton service in `root` (an empty directory)."""
    write_files(root, {name: (SKELETON_FROM / name).read_text(encoding="utf-8") for name in SKELETON})
    write_files(root, files)
    return lint_tree(root, select=select, cold=True)  # a new tree: a cache would only be written
