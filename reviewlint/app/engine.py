"""The engine: from paths to sorted, filtered findings.

discover -> read -> prefilter -> parse -> rules -> noqa/select -> findings.
The CLI and the flake8 plugin both call `lint_source`, so they agree.
"""

from __future__ import annotations

import fnmatch
import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from reviewlint.core.config import find_root, load_config, resolve_path
from reviewlint.core.errors import ReviewlintError
from reviewlint.core.findings import Finding
from reviewlint.core.guard import DEFAULT_LIMITS, Limits, UnreadableSource, python_syntax_problem, read_bytes
from reviewlint.app.prefilter import is_candidate, may_report_in
from reviewlint.model.project import YAML_SUFFIXES, Codec, Project, is_excluded, project_for
from reviewlint.rules import family_hooks
from reviewlint.core.problems import internal_error, unreadable
from reviewlint.core.source import decode_source


@dataclass(frozen=True)
class Selection:
    """Which codes to report: flake8's select/ignore semantics (longest prefix wins)."""

    select: tuple[str, ...] = ("RVL",)
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def wants(self, code: str, display_path: str = "") -> bool:
        """True when `code` is selected and not ignored for this file."""
        ignore = self.ignore + _per_file_codes(self.per_file_ignores, display_path)
        selected = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        ignored = max((len(p) for p in ignore if code.startswith(p)), default=-1)
        return selected >= 0 and selected > ignored


def _per_file_codes(per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...], path: str) -> tuple[str, ...]:
    """flake8's choice: of the patterns matching the file's name or absolute path, the longest applies."""
    if not per_file_ignores:
        return ()
    basename, absolute = os.path.basename(path), os.path.abspath(path)
    matching = [(pattern, codes) for pattern, codes in per_file_ignores
                if (basename not in (".", "..") and fnmatch.fnmatch(basename, pattern))
                or fnmatch.fnmatch(absolute, pattern)]
    return max(matching, key=lambda entry: len(entry[0]))[1] if matching else ()


def rule_instances() -> list:
    """One instance of every rule that checks files."""
    from reviewlint.rules import rule_classes

    return [rule() for rule in rule_classes()]


def lint_source(project: Project, path: Path, display: str, source: str,
                selection: Selection, check_syntax: bool = False,
                deferred: list[tuple[str, str]] | None = None, noqa: bool = True,
                data: bytes | None = None, on_disk: bool = False) -> list[Finding]:
    """Every finding for one file, after `# noqa` (unless not `noqa`: flake8's job) and selection.

    A file the prefilter skips is not parsed by LibCST; with `check_syntax`
    (a file named on the command line; flake8 has E999) Python's own parser
    still vets it for RVL900, or, given `deferred`, (display, source) is
    left there for `check_syntax_of`. `source` is what the project reads for
    `path` from now on, unless `on_disk` says it was just read from there.
    What the rules find in a file is kept in the project's cache with
    everything it was computed from.
    """
    resolved = resolve_path(path)
    if not on_disk:  # an editor's buffer, flake8's lines: what the disk holds may differ
        project.override(resolved, source)
    if not is_candidate(project, resolved, source, data):
        if check_syntax and deferred is not None:
            deferred.append((display, source))
            return []
        broken = syntax_finding(display, source, project.config.limits) if check_syntax else None
        return [broken] if broken is not None and selection.wants(broken.code, display) else []
    key = f"findings:{resolved}"
    if not project.holds(key):
        # What this file's findings rest on elsewhere first: when an edit elsewhere
        # left it as it was, this file's cached findings hold again.
        for file_results in family_hooks("file_results"):
            file_results(project, resolved)
    raw = project.memo(key, lambda: _rule_findings(project, resolved), FINDINGS)
    findings = [Finding(display, line, col, code, message, fallback, end_line, end_col)
                for line, col, code, message, fallback, end_line, end_col in raw]
    if not findings:
        return []
    from reviewlint.core.noqa import apply_noqa, relocate_headers

    findings = apply_noqa(findings, source) if noqa else relocate_headers(findings, source)
    return sorted(f for f in findings if selection.wants(f.code, display))


# (line, col, code, message, fallback lines, end line, end col): a finding as cached data.
RawFinding = tuple[int, int, str, str, tuple[int, ...], int, int]


def _rule_findings(project: Project, path: Path) -> list[RawFinding]:
    """(line, col, code, message, fallback lines, end line, end col) of every rule's findings in a file."""
    import libcst as cst

    from reviewlint.model.module import parse_module
    from reviewlint.rules.base import LintContext

    module = project.module_at(path)
    if module is None:
        try:
            source = project.source(path)
            parse_module(project.module_name(path), path, source, project.config)
        except cst.ParserSyntaxError as exc:
            # Python's own parser says where and what more precisely, when it agrees.
            python = syntax_finding("", source, project.config.limits)
            if python is None:
                python = unreadable("", f"syntax error: {exc.message}", exc.raw_line, exc.raw_column)
            return [(python.line, python.col, python.code, python.message, (), 0, 0)]
        except UnreadableSource as exc:  # the guard: too large or too deeply nested for LibCST
            refused = unreadable("", str(exc), exc.line, exc.col)
            return [(refused.line, refused.col, refused.code, refused.message, (), 0, 0)]
        except RecursionError:
            refused = unreadable("", "too deeply nested to analyse (Python's recursion limit was reached: "
                                     "lower max-nesting)")
            return [(refused.line, refused.col, refused.code, refused.message, (), 0, 0)]
        return []
    ctx = LintContext(path, "", module.source, project, module)
    found: list[RawFinding] = []
    for rule in rule_instances():
        found.extend((f.line, f.col, f.code, f.message, f.fallback_lines, f.end_line, f.end_col)
                     for f in rule.check(ctx))
    return sorted(found)


def _decode_findings(data: object) -> list[RawFinding]:
    return [(int(line), int(col), str(code), str(message), tuple(int(x) for x in fallback), int(end_line),
             int(end_col))
            for line, col, code, message, fallback, end_line, end_col in data]  # type: ignore[attr-defined]


FINDINGS: Codec[list[RawFinding]] = Codec(
    lambda found: [[line, col, code, message, list(fallback), end_line, end_col]
                   for line, col, code, message, fallback, end_line, end_col in found],
    _decode_findings)


def syntax_finding(display: str, source: str, limits: Limits = DEFAULT_LIMITS) -> Finding | None:
    """RVL900 for a file the prefilter skipped but Python cannot parse (or may not: see guard)."""
    try:
        problem = python_syntax_problem(source, limits)
    except Exception as exc:  # a bug of ours: this file's finding, not the end of the run
        return internal_error(display, exc)
    return unreadable(display, str(problem), problem.line, problem.col) if problem is not None else None


def _syntax_findings(batch: list[tuple[str, str]], limits: Limits = DEFAULT_LIMITS) -> list[Finding]:
    return [f for f in (syntax_finding(display, source, limits) for display, source in batch) if f is not None]


# Below this many files a pool costs more than it saves.
PARALLEL_SYNTAX_FROM = 200


def check_syntax_of(files: list[tuple[str, str]], jobs: int, limits: Limits = DEFAULT_LIMITS,
                    checked: Callable[[int], None] | None = None) -> list[Finding]:
    """RVL900 for each (display, source) Python cannot parse, on up to `jobs` processes.

    This is most of a large tree's time: the files the prefilter skipped
    still need Python's parser, and they need nothing else, so they are the
    part that splits across cores. Falls back to one process when a pool
    cannot be had. `checked(n)` is told each time n more files are done.
    """
    size = max(16, len(files) // (jobs * 4))
    batches = [files[i:i + size] for i in range(0, len(files), size)]

    def serial() -> list[Finding]:
        found = []
        for batch in batches:
            found.extend(_syntax_findings(batch, limits))
            if checked is not None:
                checked(len(batch))
        return found

    if jobs <= 1 or len(files) < PARALLEL_SYNTAX_FROM:
        return serial()
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    try:
        with ProcessPoolExecutor(max_workers=min(jobs, len(batches)), mp_context=context) as pool:
            check = functools.partial(_syntax_findings, limits=limits)
            found = []
            for batch, batch_found in zip(batches, pool.map(check, batches)):
                found.extend(batch_found)
                if checked is not None:
                    checked(len(batch))
            return found
    except (OSError, ImportError, RuntimeError):  # no semaphores, no processes (or one died): do it here
        return serial()


DATA_SUFFIXES = (".inc",)  # the API reference's sections (RVL6xx)


def is_test_yaml(path: Path) -> bool:
    """A gabbi test file: YAML somewhere under a `gabbits` directory."""
    return path.suffix in YAML_SUFFIXES and "gabbits" in path.parts


def discover(paths: Iterable[Path], exclude: tuple[str, ...],
             wanted: Callable[[Path], bool] | None = None) -> Iterator[tuple[Path, bool, bool]]:
    """(file, exists, named) for every input under `paths`: Python files, gabbi YAML files, what `wanted` accepts.

    A file named explicitly is always an input (pre-commit passes changed
    files) and `named`, and so is anything else named that is not a
    directory (a FIFO, a broken link: reading it says what is wrong);
    missing paths come back with `exists` False.
    """
    for path in paths:
        if not path.is_dir():
            yield path, os.path.lexists(path), True
        else:
            for directory, dirnames, filenames in os.walk(path):
                rel = os.path.relpath(directory, path)
                dirnames[:] = sorted(d for d in dirnames
                                     if not is_excluded(d, os.path.normpath(os.path.join(rel, d)), exclude))
                for filename in sorted(filenames):
                    candidate = Path(directory, filename)
                    if (filename.endswith(".py") or is_test_yaml(candidate)
                            or (wanted is not None and wanted(candidate))) and not is_excluded(
                            filename, os.path.normpath(os.path.join(rel, filename)), exclude):
                        yield candidate, True, False


def lint_data_file(project: Project, path: Path, display: str, selection: Selection) -> list[Finding]:
    """Findings for a non-Python input: the families' `lint_yaml(project, path)` hooks for YAML,
    `lint_reference(project, path)` for the API reference's files.

    A hook may report in other files (a gate a gabbi file tests): those are
    named as the command line names files, and their own `# noqa` applies.
    """
    from reviewlint.core.noqa import apply_noqa

    resolved = resolve_path(path)
    findings: list[Finding] = []
    if _is_reference(project, resolved):
        def in_reference() -> list[tuple[str, int, int, str, str]]:
            found = [f for hook in family_hooks("lint_reference") for f in hook(project, resolved)]
            return sorted((f.path, f.line, f.col, f.code, f.message) for f in found)

        located = project.memo(f"reference:{resolved}", in_reference, LOCATED)
        findings.extend(Finding(display, line, col, code, message) for _, line, col, code, message in located)
    if path.suffix not in YAML_SUFFIXES:
        return sorted(f for f in findings if selection.wants(f.code, f.path))

    def compute() -> list[tuple[str, int, int, str, str]]:
        found = [f for hook in family_hooks("lint_yaml") for f in hook(project, resolved)]
        return sorted((f.path, f.line, f.col, f.code, f.message) for f in found)

    elsewhere: dict[str, list[Finding]] = {}
    for where, line, col, code, message in project.memo(f"yaml:{resolved}", compute, LOCATED):
        if where == str(resolved):
            findings.append(Finding(display, line, col, code, message))
        else:
            elsewhere.setdefault(where, []).append(Finding(display_path(Path(where)), line, col, code, message))
    for where, found in elsewhere.items():
        try:
            findings.extend(apply_noqa(found, project.source(Path(where))))
        except UnreadableSource:
            continue
    return sorted(f for f in findings if selection.wants(f.code, f.path))


LOCATED: Codec[list[tuple[str, int, int, str, str]]] = Codec(
    lambda found: [list(f) for f in found],
    lambda data: [(str(p), int(line), int(col), str(code), str(message)) for p, line, col, code, message in data])


def _is_reference(project: Project, path: Path) -> bool:
    """A file of the API reference (`.inc`, `parameters.yaml`): an input of the RVL6xx family."""
    from reviewlint.service.reference import is_reference_input

    return is_reference_input(project.root, project.config.api_ref, path)


def _related_findings(project: Project, python_inputs: list[Path]) -> list[Finding]:
    """What families report again, in other files, because Python inputs they read changed.

    The API reference is checked again when a handler or schema module is an
    input (pre-commit passes only changed files). Without a reference there
    is nothing to ask, and no family is imported.
    """
    from reviewlint.service.reference import may_have_reference
    from reviewlint.core.cache import digest

    if not python_inputs or not may_have_reference(project.root, project.config.api_ref, project.file_names):
        return []

    def compute() -> list[tuple[str, int, int, str, str]]:
        found = [f for hook in family_hooks("lint_related") for f in hook(project, python_inputs)]
        return sorted((f.path, f.line, f.col, f.code, f.message) for f in found)

    key = "related:" + digest("\n".join(sorted(map(str, python_inputs))).encode("utf-8", "surrogateescape"))
    return [Finding(display_path(Path(where)), line, col, code, message)
            for where, line, col, code, message in project.memo(key, compute, LOCATED)]


def display_path(path: Path) -> str:
    """How findings name a file: as given, relative to the working directory when inside it."""
    text = os.path.normpath(str(path))
    if os.path.isabs(text):
        try:
            relative = os.path.relpath(text)
        except ValueError:  # another drive
            return text
        return text if relative == os.pardir or relative.startswith(os.pardir + os.sep) else relative
    return text


@dataclass(frozen=True)
class Run:
    """One invocation's project and code selection."""

    project: Project
    selection: Selection


def start_run(first: Path, config_file: Path | None, overrides: dict,
              extend_ignore: tuple[str, ...] = (), cache_dir: Path | None = None) -> Run:
    """Find the root from the first input, read the config and apply command-line overrides."""
    root = find_root(first if first.exists() else (first.parent if first.parent.exists() else Path.cwd()))
    config = load_config(root, config_file).replace(**overrides)
    if extend_ignore:
        config = config.replace(ignore=config.ignore + extend_ignore)
    return Run(project_for(root, config, cache_dir), Selection(config.select, config.ignore, config.per_file_ignores))


def lint_stdin(run: Run, name: str, data: bytes) -> list[Finding]:
    """Lint `data` as the file `name` (editors pipe unsaved buffers)."""
    path, display = Path(name), display_path(Path(name))
    limit = run.project.config.max_file_size
    try:
        if len(data) > limit:
            raise UnreadableSource(f"too large to analyse (more than {limit} bytes; limit max-file-size = {limit})")
        text = decode_source(data)
    except UnreadableSource as exc:
        findings = [unreadable(display, str(exc), exc.line, exc.col)]
    else:
        if path.suffix in YAML_SUFFIXES + DATA_SUFFIXES:
            run.project.override(resolve_path(path), text)
            findings = isolated(display, lambda: lint_data_file(run.project, path, display, run.selection))
        else:
            findings = isolated(display, lambda: lint_source(run.project, path, display, text, run.selection,
                                                             check_syntax=True))
    run.project.save_cache()
    return [f for f in findings if run.selection.wants(f.code, display)]


def isolated(display: str, lint: Callable[[], list[Finding]]) -> list[Finding]:
    """One file's findings; an unexpected exception becomes its RVL900 and the run goes on.

    A ReviewlintError (the user's configuration) still ends the run with
    exit 2; anything else raised while analysing the file is a bug of ours
    that costs this file only.
    """
    try:
        return lint()
    except ReviewlintError:
        raise
    except RecursionError:
        return [unreadable(display, "too deeply nested to analyse (Python's recursion limit was reached: "
                                    "lower max-nesting)")]
    except Exception as exc:
        return [internal_error(display, exc)]


def lint_paths(run: Run, paths: list[Path], progress: Callable[[int, int], None] | None = None,
               jobs: int = 1) -> list[Finding]:
    """Lint files and directories; findings sorted by path and position.

    `progress(done, total)` is told how many files are wholly done (a file
    whose syntax check is deferred is done when that check is). Files met
    while walking a directory are read only as far as the prefilter needs;
    files named on the command line are also checked by Python's parser
    (RVL900), on up to `jobs` processes.
    """
    findings: list[Finding] = []
    deferred: list[tuple[str, str]] = []
    project, selection = run.project, run.selection
    inputs = list(discover(paths, project.exclude, lambda candidate: _is_reference(project, candidate)))
    python_inputs: list[Path] = []
    for started, (path, exists, named) in enumerate(inputs):
        if progress is not None:
            progress(started - len(deferred), len(inputs))
        display = display_path(path)
        if not exists:
            findings.append(unreadable(display, "no such file or directory", kind="path"))
            continue
        if path.suffix != ".py":
            findings.extend(isolated(display, lambda: lint_data_file(project, path, display, selection)))
            continue
        try:
            data = read_bytes(path, project.config.max_file_size)
        except UnreadableSource as exc:  # not a regular file, too large, gone: whatever it holds is unknown
            findings.append(unreadable(display, str(exc), exc.line, exc.col))
            continue
        findings.extend(isolated(display, lambda: _lint_file(project, path, display, data, named, selection,
                                                             deferred, python_inputs)))
    done = len(inputs) - len(deferred)

    def checked(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, len(inputs))

    findings.extend(check_syntax_of(deferred, jobs, project.config.limits, checked))
    # A changed handler or schema re-checks the files that document it (the API reference).
    findings.extend(_related_findings(project, python_inputs))
    findings = [f for f in findings if selection.wants(f.code, f.path)]
    project.save_cache()
    # A gabbi file reports the gates it touches, which their own module reports too.
    return sorted(set(findings))


def _lint_file(project: Project, path: Path, display: str, data: bytes, named: bool, selection: Selection,
               deferred: list[tuple[str, str]], python_inputs: list[Path]) -> list[Finding]:
    """The findings of one Python file read as `data` (`named` on the command line or met walking)."""
    try:
        source = decode_source(data)
    except UnreadableSource as exc:
        # Reported where reviewlint needed the file: named, or a handler module by its text.
        if named or any(name in data for name in project.handler_hint.names) or \
                may_report_in(project, path, data):
            return [unreadable(display, str(exc), exc.line, exc.col)]
        return []
    python_inputs.append(path)
    return lint_source(project, path, display, source, selection, check_syntax=named, deferred=deferred,
                       data=data, on_disk=True)
