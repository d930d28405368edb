"""In-process linting for the tests, as pyflakes' `self.flakes(...)`: no process to start.

`lint_tree(root)` runs the engine on a project directory exactly as
`reviewlint .` run from that directory does (same discovery, selection,
`# noqa` and sorting) and returns `(path, line, code)` rows, as
`conftest.findings_of` reads them from the CLI's output. `lint_snippet`
writes a few files over a small Placement-style skeleton first.

Keep one CLI and one flake8 agreement test per family (the real binaries);
everything else about a rule is asked here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, Mapping, Sequence

from contextlib import contextmanager

from reviewlint.findings import Finding

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
                  ignore: Sequence[str] | None = None) -> list[Finding]:
    """The findings of `reviewlint PATHS` (default `.`) run from `root`, without the persistent cache."""
    from reviewlint.engine import forget_projects, lint_paths, start_run

    overrides: dict = {}
    if select is not None:
        overrides["select"] = tuple(select)
    if ignore is not None:
        overrides["ignore"] = tuple(ignore)
    forget_projects()  # a test may have rewritten the tree since the last run
    with _cwd(root):
        inputs = [Path(p) for p in paths] or [Path(".")]
        run = start_run(inputs[0], None, overrides, (), None)
        try:
            return lint_paths(run, inputs, None, 1)
        finally:
            forget_projects()


def lint_tree(root: Path, *paths: str, select: Sequence[str] | None = None,
              ignore: Sequence[str] | None = None) -> list[Row]:
    """(path, line, code) of each finding of `reviewlint PATHS` run from `root`, sorted."""
    return sorted((f.path, f.line, f.code) for f in lint_findings(root, *paths, select=select, ignore=ignore))


def write_files(root: Path, files: Mapping[str, str]) -> None:
    """Write `files` (relative path -> text) under `root`, making directories."""
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def lint_snippet(root: Path, files: Mapping[str, str], select: Sequence[str] | None = None) -> list[Row]:
    """(path, line, code) for `files` written over the skeleton service in `root` (an empty directory)."""
    write_files(root, {name: (SKELETON_FROM / name).read_text(encoding="utf-8") for name in SKELETON})
    write_files(root, files)
    return lint_tree(root, select=select)
