"""The flake8 plugin: the same engine, one file at a time.

flake8 hands us the file name (the `--stdin-display-name` when it reads
stdin, as editors do; `stdin` without one) and its lines. The project is
found from the file's path and built once per flake8 process. Importing
this module stays cheap: LibCST is imported only for files the prefilter
keeps. `# noqa` is flake8's business: the plugin reports raw findings.
"""

from __future__ import annotations

import argparse
import ast
import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from reviewlint import __version__

if TYPE_CHECKING:
    from reviewlint.core.findings import Finding

Result = tuple[int, int, str, type]

# Set by the main flake8 process for its workers: "pid:directory" where a
# configuration error, once reported, leaves a mark.
RUN_ENV = "REVIEWLINT_FLAKE8_RUN"
_reported_here: set[str] = set()


def _start_run() -> None:
    """A fresh place for this flake8 run's marks (its workers inherit it through the environment)."""
    creator, _, directory = os.environ.get(RUN_ENV, "").partition(":")
    if creator and creator != str(os.getpid()) and os.path.isdir(directory):
        return  # a spawned worker of a run its parent started
    try:
        directory = tempfile.mkdtemp(prefix="reviewlint-flake8-")
    except OSError:
        return
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    os.environ[RUN_ENV] = f"{os.getpid()}:{directory}"


def first_report(message: str) -> bool:
    """True the first time `message` is reported in this flake8 run, across its worker processes."""
    from reviewlint.core.cache import digest  # not hashlib: loading OpenSSL costs every editor save ~5 ms

    key = digest(message.encode("utf-8", "surrogatepass"))
    _, _, directory = os.environ.get(RUN_ENV, "").partition(":")
    if directory and os.path.isdir(directory):
        try:
            os.close(os.open(os.path.join(directory, key), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            return True
        except FileExistsError:
            return False
        except OSError:
            pass
    if key in _reported_here:
        return False
    _reported_here.add(key)
    return True


class ReviewlintChecker:
    """flake8 tree plugin registered under the `RVL` prefix."""

    name = "reviewlint"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]) -> None:
        self.filename = filename
        self.lines = lines

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        """Called once by flake8 before it checks files (and again in each spawned worker)."""
        _start_run()

    def run(self) -> Iterator[Result]:
        """Yield flake8 results for this file; never raises (a crash would end flake8's whole run)."""
        for finding in self._findings():
            yield finding.line, finding.col, f"{finding.code} {finding.message}", type(self)

    def _findings(self) -> list["Finding"]:
        # "Not my file" is answered by the project model and the text prefilter
        # alone: the engine, the rules and the findings' classes are imported
        # only for a file some rule may report in (every editor save pays this).
        from reviewlint.core.cache import cache_directory
        from reviewlint.core.config import find_root, load_config, resolve_path
        from reviewlint.core.errors import ReviewlintError
        from reviewlint.app.prefilter import is_candidate
        from reviewlint.model.project import paused_gc, project_for

        path = Path(self.filename)
        try:
            source = "".join(self.lines)
            start = path if path.exists() else (path.parent if path.parent.exists() else Path.cwd())
            root = find_root(start)
            config = load_config(root)
            project = project_for(root, config, cache_directory())
            _save_at_exit()
            resolved = resolve_path(path)
            project.override(resolved, source)
            with paused_gc():  # the prefilter may build the project model: the first candidate of a tree does
                if not is_candidate(project, resolved, source):
                    return []
                from reviewlint.app.engine import Selection, isolated, lint_source

                selection = Selection(config.select, config.ignore, config.per_file_ignores)
                # flake8 applies `# noqa` (and --disable-noqa, flake8-noqa's checks) itself.
                return isolated(self.filename,
                                lambda: lint_source(project, path, self.filename, source, selection, noqa=False))
        except ReviewlintError as exc:
            from reviewlint.core.problems import malformed

            # A bad configuration is said once per flake8 run, not on line 1 of every file.
            finding = malformed(self.filename, "configuration", str(exc))
            return [finding] if first_report(finding.message) else []
        except Exception as exc:
            from reviewlint.core.problems import internal_error

            return [internal_error(self.filename, exc)]


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

    from reviewlint.model.project import save_projects

    saved_in: set[int] = set()

    def save_once() -> None:  # whichever of the two fires first, once per process
        if os.getpid() not in saved_in:
            saved_in.add(os.getpid())
            save_projects()

    atexit.register(save_once)
    if "multiprocessing" in sys.modules:  # a worker of `flake8 -j N`
        from multiprocessing import util

        util.Finalize(None, save_once, exitpriority=10)
