"""The flake8 plugin: the same engine, one file at a time.

flake8 hands us the file name (the `--stdin-display-name` when it reads
stdin, as editors do) and its lines. The project is found from the file's
path and built once per flake8 process. Importing this module stays cheap:
LibCST is imported only for files the prefilter keeps.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator

from reviewlint import __version__
from reviewlint.findings import ReviewlintError

Result = tuple[int, int, str, type]


class ReviewlintChecker:
    """flake8 tree plugin registered under the `RVL` prefix."""

    name = "reviewlint"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]) -> None:
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[Result]:
        """Yield flake8 results for this file."""
        from reviewlint.cache import cache_directory
        from reviewlint.config import find_root, load_config
        from reviewlint.engine import Selection, lint_source, project_for

        path = Path(self.filename)
        source = "".join(self.lines)
        try:
            start = path if path.exists() else (path.parent if path.parent.exists() else Path.cwd())
            root = find_root(start)
            config = load_config(root)
            project = project_for(root, config, cache_directory())
            _save_at_exit()
            selection = Selection(config.select, config.ignore, config.per_file_ignores)
            # flake8 applies `# noqa` (and --disable-noqa, flake8-noqa's checks) itself.
            findings = lint_source(project, path, self.filename, source, selection, noqa=False)
        except ReviewlintError as exc:
            yield 1, 0, f"RVL901 {exc}", type(self)
            return
        for finding in findings:
            yield finding.line, finding.col, f"{finding.code} {finding.message}", type(self)


_SAVING: list[bool] = []


def _save_at_exit() -> None:
    """Write the projects' caches when this flake8 process (or its worker) ends.

    flake8 tells a plugin nothing when a run ends; its workers are forked
    processes that skip `atexit`, but run multiprocessing's finalizers.
    """
    if _SAVING:
        return
    _SAVING.append(True)
    import atexit
    import sys

    from reviewlint.engine import save_projects

    atexit.register(save_projects)
    if "multiprocessing" in sys.modules:  # a worker of `flake8 -j N`
        from multiprocessing import util

        util.Finalize(None, save_projects, exitpriority=10)
