"""Review a change (`--baseline-commit REV`): what the working tree adds to the merge base of REV and HEAD.

The base tree is read from git's object store (`git ls-tree`, `git cat-file
--batch`: no checkout, no hook, no filter, no attribute) into a temporary
directory outside the project, linted there with its own configuration, and
removed again, also on Ctrl-C, SIGTERM or an error. A finding of the working
tree is old when the base has one with the same code, file (followed through
the renames git reports) and subject (`baseline.subject`: the message without
positions of other places), so moving code, adding lines above it or
reformatting it creates nothing new. Among same-keyed findings whose count
grew, the ones whose source line the base has too are taken as the old ones.

A new finding in a file the change did not touch is a cross-file effect (a
gabbi file lost the test of a gate, a schema module was opened): when one
changed file of the kind that can cause it exists, or the finding's message
names one of several, the finding names it.

What the base finds is kept in the cache directory by the id of its tree
and the run's settings: a commit's tree never changes, so a base is linted
once (the warm path costs a few git calls).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

from reviewlint import __version__
from reviewlint.app.baseline import subject
from reviewlint.core.errors import ReviewlintError
from reviewlint.core.findings import Finding

if TYPE_CHECKING:
    import argparse

    from reviewlint.app.engine import Run

# The base-results file's format.
FORMAT = 1
# Results of this many bases are kept (least recently used dropped).
KEPT_BASES = 32
# A base directory held longer than this (seconds) belongs to no live run.
STALE_AFTER = 24 * 3600
# git never runs a hook for the commands used here; these also keep it from
# running an fsmonitor hook, an external diff or a textconv filter, and from
# taking the index lock (the user's own git may be running).
_GIT_CONFIG = ("-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "diff.renames=true")
_GIT_ENV = {"GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat",
            "GIT_NO_LAZY_FETCH": "1"}  # a partial clone's missing objects are not fetched behind the user's back
# Files the model reads: the model's suffixes and the configuration files.
_MODEL_SUFFIXES = (".py", ".yaml", ".yml", ".rst", ".inc")
_CONFIG_NAMES = ("setup.cfg", "tox.ini", "pyproject.toml")


class GitError(ReviewlintError):
    """A git command failed: one line naming it and its stderr's first line (exit 2 if nothing catches it)."""


def git(top: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """The standard output of `git ARGS` run in `top` (GitError when it fails)."""
    try:
        result = subprocess.run(["git", *_GIT_CONFIG, *args], cwd=top, input=stdin, capture_output=True,
                                env={**os.environ, **_GIT_ENV}, check=False)
    except FileNotFoundError:
        raise ReviewlintError("reviewlint: --baseline-commit needs git, which is not installed") from None
    except OSError as exc:
        raise ReviewlintError(f"reviewlint: --baseline-commit: cannot run git: {exc.strerror or exc}") from None
    if result.returncode != 0:
        lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"reviewlint: --baseline-commit: git {args[0]} failed" + (f": {lines[0]}" if lines else ""))
    return result.stdout


@dataclass(frozen=True)
class Change:
    """What is reviewed: the working tree of a repository against the merge base of REV and HEAD."""

    top: Path  # the repository's top directory (real path)
    revision: str  # as the user wrote it
    base: str  # the merge base's commit id
    tree: str  # its tree's id
    timestamp: int  # its committer time (the base files' mtime)
    renamed: dict[str, str]  # base path -> working tree path, for files git sees renamed
    changed: frozenset[str]  # paths (relative to top) the change adds, modifies, deletes or renames


def open_change(start: Path, revision: str) -> Change:
    """The change to review from `start` (a path inside the repository); ReviewlintError when there is none."""
    directory = Path(os.path.abspath(start))
    while not directory.is_dir() and directory != directory.parent:
        directory = directory.parent
    try:
        top = Path(os.fsdecode(git(directory, "rev-parse", "--show-toplevel").strip()))
    except GitError as exc:
        if "not a git repository" not in str(exc):  # git's own reason: dubious ownership, a bare repository
            raise
        raise ReviewlintError(f"reviewlint: --baseline-commit needs a git repository: "
                              f"{os.path.normpath(start)} is not inside one") from None
    top = Path(os.path.realpath(top))
    if revision.startswith("-") or not revision.isprintable() or not revision.strip():
        raise ReviewlintError(f"reviewlint: --baseline-commit {revision!r}: not a revision")
    shallow = git(top, "rev-parse", "--is-shallow-repository").strip() == b"true"
    hint = " in this shallow clone (fetch more history: git fetch --deepen=N, or --unshallow)" if shallow else ""
    try:
        git(top, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    except GitError:
        raise ReviewlintError(f"reviewlint: --baseline-commit {revision}: no such commit{hint}") from None
    try:
        base = git(top, "merge-base", revision, "HEAD").decode().strip()
    except GitError:
        if not hint:
            hint = " (no common history)"
        raise ReviewlintError(f"reviewlint: --baseline-commit {revision}: cannot find the merge base of "
                              f"{revision} and HEAD{hint}") from None
    # The commit object itself (porcelain such as `git show` may run gpg for log.showSignature).
    header = git(top, "cat-file", "commit", base).split(b"\n\n", 1)[0].decode("utf-8", "replace").splitlines()
    tree = next(line.split()[1] for line in header if line.startswith("tree "))
    timestamp = next(int(line.split()[-2]) for line in header if line.startswith("committer "))
    return Change(top, revision, base, tree, timestamp, *_differences(top, base))


def _differences(top: Path, base: str) -> tuple[dict[str, str], frozenset[str]]:
    """(renames base -> working path, every path that differs) between `base` and the working tree."""
    out = git(top, "diff", "--name-status", "-z", "-M", "--no-ext-diff", "--no-textconv", "--no-color",
              base, "--")
    fields = [os.fsdecode(f) for f in out.split(b"\0")]
    renamed: dict[str, str] = {}
    changed: set[str] = set()
    at = 0
    while at < len(fields) and fields[at]:
        status = fields[at]
        if status[:1] in ("R", "C"):
            old, new = fields[at + 1], fields[at + 2]
            if status[:1] == "R":
                renamed[old] = new
                changed.add(old)
            changed.add(new)
            at += 3
        else:
            changed.add(fields[at + 1])
            at += 2
    untracked = git(top, "ls-files", "--others", "--exclude-standard", "-z")
    changed.update(os.fsdecode(f) for f in untracked.split(b"\0") if f)
    return renamed, frozenset(changed)


# -- the base's findings ---------------------------------------------------------------------
@dataclass(frozen=True)
class Recorded:
    """A finding of the base: file (relative to the repository), code, subject and its line's text."""

    path: str
    code: str
    subject: str
    text: str


@dataclass(frozen=True)
class Settings:
    """What, besides the base's tree, decides what the base run finds."""

    root: str  # the project root, relative to the repository ("." at its top)
    paths: tuple[str, ...]  # the inputs, relative to the repository
    config: str | None  # --config: a path in the repository (read from the base), else the file's digest
    overrides: str  # select / ignore / extend-ignore from the command line


def base_findings(change: Change, settings: Settings, config_file: Path | None, overrides: dict,
                  extend_ignore: tuple[str, ...], cache_dir: Path | None, jobs: int) -> list[Recorded]:
    """What the base finds: from the cache when this tree was linted with these settings, else linted now."""
    from reviewlint.core.cache import digest

    identity = json.dumps([FORMAT, __version__, sys.version, change.tree, settings.root, settings.paths,
                           settings.config, settings.overrides])
    stored = (cache_dir / "review" / f"base-{digest(identity.encode('utf-8', 'surrogateescape'))}.json"
              if cache_dir is not None else None)
    if stored is not None:
        found = _read_results(stored)
        if found is not None:
            return found
    with _base_tree(change) as (base_dir, scratch):
        found = _lint_base(change, base_dir, settings, config_file, overrides, extend_ignore,
                           None if scratch else cache_dir, jobs)
    if stored is not None:
        _write_results(stored, found)
    return found


def _read_results(path: Path) -> list[Recorded] | None:
    from reviewlint.core.guard import UnreadableSource, read_bytes

    try:
        data = json.loads(read_bytes(path, 256 * 1024 * 1024))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return None
        found = [Recorded(*map(str, row)) for row in data["findings"] if len(row) == 4]
        os.utime(path)  # recently used
        return found
    except (OSError, UnreadableSource, ValueError, TypeError, KeyError, RecursionError):
        return None


def _write_results(path: Path, found: list[Recorded]) -> None:
    """Write atomically and keep only the KEPT_BASES most recently used files (never raises)."""
    data = json.dumps({"format": FORMAT, "findings": [[r.path, r.code, r.subject, r.text] for r in found]})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8", errors="surrogateescape") as out:
                out.write(data)
            os.replace(temporary, path)
        except OSError:
            os.unlink(temporary)
            return
        kept = sorted(path.parent.glob("base-*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in kept[KEPT_BASES:]:
            old.unlink()
    except OSError:
        return


@contextlib.contextmanager
def _base_tree(change: Change) -> Iterator[tuple[Path, bool]]:
    """(a directory holding the base's model files, whether it is a one-off scratch directory).

    The directory is the same for every run on this repository (so the
    base's project cache finds its unchanged files again); when another run
    holds it, a one-off one is used without a cache. It is removed on the
    way out, also on Ctrl-C and SIGTERM.
    """
    from reviewlint.core.cache import digest

    temp = Path(os.path.realpath(tempfile.gettempdir()))
    uid = os.getuid() if hasattr(os, "getuid") else 0
    shared = temp / f"reviewlint-{uid}-base-{digest(str(change.top).encode('utf-8', 'surrogateescape'))}"
    holder: Path | None = None
    previous = _raise_on_sigterm()
    try:
        scratch = not _claim(shared)
        holder = Path(tempfile.mkdtemp(prefix="reviewlint-base-", dir=temp)) if scratch else shared
        base_dir = holder / (change.top.name or "repository")
        _extract(change, base_dir)
        yield base_dir, scratch
    finally:
        if holder is not None:
            shutil.rmtree(holder, ignore_errors=True)
        elif os.path.isdir(shared) and _held_by_us(shared):  # interrupted right after claiming it
            shutil.rmtree(shared, ignore_errors=True)
        if previous is not _NOT_SET:
            restored = previous if previous is not None else signal.SIG_DFL
            signal.signal(signal.SIGTERM, restored)  # type: ignore[arg-type]


def _claim(holder: Path) -> bool:
    """Make `holder` this process's (True), unless a live run holds it; a dead run's is taken over.

    Anything else in its place (another user's, a link, a directory held
    for longer than a day: its pid was reused) is left alone: False.
    """
    import stat
    import time

    if not hasattr(os, "getuid"):  # no owner to check: a one-off directory each run
        return False
    for _ in range(2):
        try:
            os.mkdir(holder, 0o700)
        except FileExistsError:
            try:
                st = os.lstat(holder)
                if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
                    return False
                age = time.time() - st.st_mtime
                if age < STALE_AFTER:
                    try:
                        owner = int((holder / "pid").read_text())
                    except (FileNotFoundError, ValueError):
                        if age < 60:
                            return False  # just made: its run is writing its pid
                    else:
                        os.kill(owner, 0)
                        return False  # a live run holds it
            except ProcessLookupError:
                pass  # its run died
            except OSError:
                return False
            shutil.rmtree(holder, ignore_errors=True)
            continue
        except OSError:
            return False
        try:
            (holder / "pid").write_text(str(os.getpid()))
        except OSError:
            shutil.rmtree(holder, ignore_errors=True)
            return False
        return True
    return False


_NOT_SET = object()


def _held_by_us(holder: Path) -> bool:
    try:
        return (holder / "pid").read_text() == str(os.getpid())
    except OSError:
        return False


def _raise_on_sigterm() -> object:
    """Turn SIGTERM into an exception (so `finally` cleans up); the old handler, or _NOT_SET off the main thread."""
    def terminated(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, terminated)
    except (ValueError, OSError, AttributeError):  # not the main thread; no SIGTERM
        return _NOT_SET


def _extract(change: Change, target: Path) -> None:
    """Write the base's model and configuration files under `target`, with the commit's time as mtime."""
    listing = git(change.top, "ls-tree", "-r", "-z", "--full-tree", change.base)
    wanted: list[tuple[bytes, bytes, str]] = []
    for record in listing.split(b"\0"):
        meta, _, raw_path = record.partition(b"\t")
        parts = meta.split()
        if len(parts) != 3 or parts[1] != b"blob":
            continue  # submodules
        path = os.fsdecode(raw_path)
        name = path.rsplit("/", 1)[-1]
        if not (name.endswith(_MODEL_SUFFIXES) or name in _CONFIG_NAMES):
            continue
        if path.startswith("/") or ".." in path.split("/"):
            continue
        wanted.append((parts[0], parts[2], path))
    target.mkdir(parents=True, exist_ok=True)
    if not wanted:
        return
    data = git(change.top, "cat-file", "--batch", stdin=b"".join(sha + b"\n" for _, sha, _ in wanted))
    at = 0
    mtime = change.timestamp * 1_000_000_000
    for mode, sha, path in wanted:
        end = data.index(b"\n", at)
        header = data[at:end].split()
        if len(header) != 3 or header[1] != b"blob":  # `<sha> missing`: a partial clone, say
            raise ReviewlintError(f"reviewlint: --baseline-commit {change.revision}: {path} of the base "
                                  f"{change.base[:12]} is not in this repository (fetch it first)")
        size = int(header[2])
        content = data[end + 1:end + 1 + size]
        at = end + 1 + size + 1
        destination = target / path
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
            if mode == b"120000":
                os.symlink(os.fsdecode(content), destination)
                continue
            destination.write_bytes(content)
            os.utime(destination, ns=(mtime, mtime))
        except OSError as exc:  # a full disk; names the file system cannot hold apart
            raise ReviewlintError(f"reviewlint: --baseline-commit: cannot write the base's {path} under "
                                  f"{target}: {exc.strerror or exc}") from None


def _lint_base(change: Change, base_dir: Path, settings: Settings, config_file: Path | None, overrides: dict,
               extend_ignore: tuple[str, ...], cache_dir: Path | None, jobs: int) -> list[Recorded]:
    from reviewlint.core.config import load_config
    from reviewlint.app.engine import Run, Selection, lint_paths
    from reviewlint.model.project import paused_gc, project_for

    root = base_dir / settings.root
    inputs = [base_dir / p for p in settings.paths if os.path.lexists(base_dir / p)]
    if not root.is_dir() or not inputs:
        return []
    if config_file is not None and settings.config is not None and not settings.config.startswith("digest:"):
        config_file = base_dir / settings.config
        if not config_file.is_file():
            config_file = None
    try:
        config = load_config(root, config_file).replace(**overrides)
    except ReviewlintError as exc:
        raise ReviewlintError(f"reviewlint: the base {change.base[:12]}'s configuration: {exc}") from None
    if extend_ignore:
        config = config.replace(ignore=config.ignore + extend_ignore)
    run = Run(project_for(root, config, cache_dir), Selection(config.select, config.ignore, config.per_file_ignores))
    with paused_gc():
        found = lint_paths(run, inputs, jobs=jobs)
    lines = _Lines()
    recorded = []
    for f in found:
        where = _relative(f.path, base_dir)
        if where is not None:
            recorded.append(Recorded(where, f.code, subject(f.message), lines.line(base_dir / where, f.line)))
    return recorded


def _renaming(renamed: dict[str, str], root: str) -> Callable[[str], str]:
    """What a base message says under the working tree's names: renamed files' paths and module names.

    A renamed module's findings name its handlers by module (`shelf.update_shelf`,
    `handler module depot.handlers.shelf`): those are the same handlers.
    """
    import re

    names: dict[str, str] = {}
    labels: dict[str, str] = {}  # a handler's label names its module's last part: `shelf.update_shelf`
    prefix = "" if root == "." else root.rstrip("/") + "/"
    for old, new in renamed.items():
        names[old] = new
        if not (old.startswith(prefix) and new.startswith(prefix)):
            continue
        old, new = old[len(prefix):], new[len(prefix):]
        names[old] = new
        if old.endswith(".py") and new.endswith(".py"):
            old_module, new_module = (p[:-3].removesuffix("/__init__").replace("/", ".") for p in (old, new))
            names[old_module] = new_module
            if old_module.rsplit(".", 1)[-1] != new_module.rsplit(".", 1)[-1]:
                labels[old_module.rsplit(".", 1)[-1]] = new_module.rsplit(".", 1)[-1]
    if not names:
        return lambda text: text

    def alternatives(words: dict[str, str]) -> str:
        return "|".join(map(re.escape, sorted(words, key=len, reverse=True)))

    whole = re.compile(rf"(?<![\w./])({alternatives(names)})(?![\w/])")
    label = re.compile(rf"(?<![\w./])({alternatives(labels)})(?=\.[A-Za-z_])(?!\.(?:py|yaml|yml|rst|inc)\b)"
                       if labels else r"(?!)")

    def rename(text: str) -> str:
        text = whole.sub(lambda match: names[match.group(1)], text)
        return label.sub(lambda match: labels[match.group(1)], text)
    return rename


class _Lines:
    """Source lines by file, read once, whitespace collapsed (how a line is recognised after a move)."""

    def __init__(self) -> None:
        self.files: dict[Path, list[str]] = {}

    def line(self, path: Path, number: int) -> str:
        if path not in self.files:
            try:
                self.files[path] = path.read_bytes().decode("utf-8", "replace").splitlines()
            except OSError:
                self.files[path] = []
        lines = self.files[path]
        return " ".join(lines[number - 1].split()) if 1 <= number <= len(lines) else ""


def _relative(path: str, top: Path) -> str | None:
    """A reported path relative to `top` (forward slashes), or None outside it."""
    absolute = os.path.normpath(os.path.join(os.path.realpath(os.getcwd()), path))
    try:
        return Path(absolute).relative_to(top).as_posix()
    except ValueError:
        return None


# -- comparing -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Review:
    """The outcome: the working tree's new findings, and how many of the base's it no longer has."""

    new: list[Finding]
    fixed: int
    base: str


def settings_for(change: Change, root: Path, paths: Sequence[Path], config_file: Path | None,
                 overrides: dict, extend_ignore: tuple[str, ...]) -> Settings:
    """The base run's settings, from the working tree's."""
    from reviewlint.core.cache import digest

    relative_root = _relative(str(root), change.top)
    if relative_root is None:
        raise ReviewlintError(f"reviewlint: --baseline-commit: the project root {root} is outside the "
                              f"repository {change.top}")
    inputs = [rel for rel in (_relative(str(p), change.top) for p in paths) if rel is not None]
    # A file renamed into the inputs was elsewhere in the base: lint it there too.
    inputs += sorted(old for old, new in change.renamed.items()
                     if _under(new, inputs) and not _under(old, inputs))
    config = None
    if config_file is not None:
        config = _relative(str(config_file), change.top)
        if config is None:
            try:
                config = "digest:" + digest(config_file.read_bytes())
            except OSError:
                config = "digest:"
    return Settings(relative_root, tuple(inputs), config, repr((sorted(overrides.items()), extend_ignore)))


def _under(path: str, inputs: Sequence[str]) -> bool:
    """True when `path` (relative to the repository) is one of `inputs` or inside one."""
    return any(given in (".", path) or path.startswith(given.rstrip("/") + "/") for given in inputs)


def compare(change: Change, findings: Sequence[Finding], base: Sequence[Recorded], root: str = ".") -> Review:
    """The findings of the working tree the base does not have, each naming its cause when it is one file.

    `base` is what the base found, under its own names: renamed files (and
    modules, for a project rooted at `root`) are named as the working tree names them here.
    """
    renaming = _renaming(change.renamed, root)
    base = [Recorded(change.renamed.get(r.path, r.path), r.code, renaming(r.subject), r.text) for r in base]
    lines = _Lines()
    groups: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
    where_of: dict[Finding, str] = {}
    for f in findings:
        where = _relative(f.path, change.top) or f.path
        where_of[f] = where
        groups[where, f.code, subject(f.message)].append(f)
    recorded: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for r in base:
        recorded[r.path, r.code, r.subject].append(r.text)
    new: list[Finding] = []
    fixed = 0
    for key in set(groups) | set(recorded):
        mine, theirs = groups.get(key, []), list(recorded.get(key, []))
        fixed += max(0, len(theirs) - len(mine))
        if len(mine) <= len(theirs):
            continue
        # The ones whose line the base has too are the old ones; the rest, last first, are new.
        fresh = []
        for f in mine:
            text = lines.line(change.top / where_of[f], f.line) if where_of[f] != f.path else ""
            if text in theirs:
                theirs.remove(text)
            else:
                fresh.append(f)
        new.extend(fresh[len(fresh) - (len(mine) - len(recorded.get(key, []))):])
    return Review(sorted(_with_cause(change, f, where_of[f], root) for f in new), fixed, change.base)


# The files that can change what a family finds in another file.
def _may_cause(code: str, path: str) -> bool:
    if path.endswith(".py"):
        return True
    if code.startswith("RVL4"):
        return path.endswith((".yaml", ".yml", ".rst"))
    if code.startswith("RVL6"):
        return path.endswith((".yaml", ".yml", ".inc", ".rst"))
    return False


def _with_cause(change: Change, finding: Finding, where: str, root: str = ".") -> Finding:
    """A new finding in a file the change left alone names the one changed file that can have caused it.

    Among several changed files of the kinds that can, the one the message
    itself names (`set at placement/handlers/allocation.py`, `handler module
    placement.handlers.inventory`) is it when there is one.
    """
    if where in change.changed:
        return finding
    causes = sorted(path for path in change.changed if path != where and _may_cause(finding.code, path))
    if len(causes) > 1:
        causes = [path for path in causes if _named_in(finding.message, path, root)]
    if len(causes) != 1:
        return finding
    from reviewlint.app.engine import display_path

    # The message names it from the repository's top (as the change does); `related` as findings name files.
    return replace(finding, message=f"{finding.message} (after the change to {causes[0]})",
                   related=display_path(change.top / causes[0]))


def _named_in(message: str, path: str, root: str) -> bool:
    """True when `message` names the file `path` (relative to the repository): by path, or as a module."""
    import re

    prefix = "" if root == "." else root.rstrip("/") + "/"
    names = {path, path.removeprefix(prefix)}
    if path.endswith(".py") and path.startswith(prefix):
        names.add(path.removeprefix(prefix)[:-3].removesuffix("/__init__").replace("/", "."))
    return any(re.search(rf"(?<![\w./]){re.escape(name)}(?![\w/]|\.py)", message) for name in names)


def summary(review: Review, revision: str) -> str:
    """The stderr line: how many findings are new and how many the change fixed."""
    return (f"reviewlint: {len(review.new)} new finding(s), {review.fixed} fixed, against {review.base[:12]} "
            f"(the merge base of {revision} and HEAD)\n")


def refuse_with(stdin: bool, fix: bool, write_baseline: bool) -> None:
    """--baseline-commit reviews files of a repository: not a buffer, not a rewrite, not a baseline file."""
    for given, what in ((stdin, "stdin"), (fix, "--fix or --diff"), (write_baseline, "--write-baseline")):
        if given:
            raise ReviewlintError(f"reviewlint: --baseline-commit cannot be combined with {what}")


def review_change(change: Change, run: "Run", paths: Sequence[Path], findings: Sequence[Finding],
                  args: "argparse.Namespace", overrides: dict, extend_ignore: tuple[str, ...],
                  cache_dir: Path | None) -> list[Finding]:
    """The CLI's step: the new findings of the working tree; the summary on stderr (unless --quiet)."""
    settings = settings_for(change, run.project.root, paths, args.config, overrides, extend_ignore)
    base = base_findings(change, settings, args.config, overrides, extend_ignore, cache_dir, args.jobs)
    review = compare(change, findings, base, settings.root)
    if not args.quiet:
        sys.stderr.write(summary(review, change.revision))
    return review.new
