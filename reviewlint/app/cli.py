"""The `reviewlint` command."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Mapping, Sequence, TextIO

from reviewlint import __version__
from reviewlint.core.codes import check_known_codes
from reviewlint.core.config import split_list
from reviewlint.core.errors import InternalError, ReviewlintError

EPILOG = """\
exit status: 0 no findings, 1 findings, 2 usage or configuration error,
3 internal error (a bug in reviewlint that it could not confine to one file's
RVL900: one line on stderr names the file or step; please report it).
A file that cannot be read or parsed (not a regular file, larger than
max-file-size bytes, more than max-tokens tokens, nested deeper than
max-nesting) is one RVL900 finding and the run goes on.
Configuration: [reviewlint] in setup.cfg or tox.ini, [tool.reviewlint] in pyproject.toml.
Colour: --color auto honours NO_COLOR and FORCE_COLOR. Progress: on stderr when it is a
terminal, for runs of more than 50 files that last more than a second (not with --quiet).
`reviewlint --list-rules` lists the codes; `reviewlint --explain RVL101` documents one.
"""
EXIT_INTERNAL_ERROR = 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> "NoReturn":  # type: ignore[name-defined]  # noqa: F821
        raise ReviewlintError(f"{self.prog}: {message} (see --help)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also the source of `--help`)."""
    parser = _Parser(
        prog="reviewlint",
        description="Lint Placement-style WSGI handler modules for what API reviewers ask for.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                        help="files or directories to check (default: .); '-' reads the source from stdin")
    parser.add_argument("--format", choices=("text", "json", "sarif", "github", "zuul"), default="text",
                        help="output format (default: text, flake8 style; json: a versioned document, "
                             "see the README; zuul: the file_comments a Zuul job returns)")
    parser.add_argument("--select", metavar="CODES", help="report only these code prefixes (e.g. RVL1,RVL203)")
    parser.add_argument("--ignore", metavar="CODES", help="do not report these code prefixes (replaces config)")
    parser.add_argument("--extend-ignore", metavar="CODES", help="add code prefixes to the ignore list")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="read [reviewlint] from FILE instead of the root's setup.cfg, tox.ini or pyproject.toml")
    parser.add_argument("--fix", action="store_true",
                        help="rewrite files to fix what can be fixed (RVL101, RVL102), then report the rest; "
                             "a file is rewritten in place of itself (through a symlink into the project), "
                             "keeping its encoding, BOM, newlines, mode and owner; read-only files, "
                             "hard-linked files and links out of the project are left alone with a message")
    parser.add_argument("--diff", action="store_true",
                        help="print the fixes as a unified diff; write nothing (also with --fix)")
    parser.add_argument("--baseline", type=Path, metavar="FILE",
                        help="report only findings not recorded in FILE (see --write-baseline)")
    parser.add_argument("--write-baseline", type=Path, metavar="FILE",
                        help="record the current findings in FILE and exit 0")
    parser.add_argument("--baseline-commit", metavar="REV",
                        help="review a change: report only the findings the working tree adds to the merge "
                             "base of REV and HEAD (read from git; cross-file effects included)")
    parser.add_argument("--jobs", "-j", type=_jobs, default="auto", metavar="N",
                        help="processes for Python's syntax check of files named on the command line "
                             "(RVL900; used from 200 files on; default: auto, one per core)")
    parser.add_argument("--cache-dir", type=Path, metavar="DIR",
                        help="keep what reviewlint learns about unchanged files in DIR (default: "
                             "$REVIEWLINT_CACHE_DIR, else the user's cache directory)")
    parser.add_argument("--no-cache", action="store_true",
                        help="read and write no cache (also REVIEWLINT_NO_CACHE=1)")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    parser.add_argument("--statistics", action="store_true",
                        help="print a count per code after the findings (on stderr for json and sarif)")
    parser.add_argument("--show-source", action="store_true",
                        help="show the offending line under each finding, with a caret at the column (text)")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour the text output (default: auto: on a terminal, unless NO_COLOR is set; "
                             "FORCE_COLOR forces it)")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="print the findings and nothing else (no progress, no summary lines)")
    parser.add_argument("--stdin-filename", metavar="NAME",
                        help="read the source from stdin (also without '-') and report it as NAME (for editors)")
    parser.add_argument("--show-project", action="store_true",
                        help="print what reviewlint found (root, routes, versions, handler modules, "
                             "functional tests, version history, API reference), then exit")
    parser.add_argument("--list-rules", action="store_true", help="list every rule code and summary, then exit")
    parser.add_argument("--explain", metavar="CODE", help="print the documentation of one rule, then exit")
    parser.add_argument("--version", action="version", version=f"reviewlint {__version__}")
    return parser


def _jobs(value: str) -> int:
    if value == "auto":
        return os.cpu_count() or 1
    if value.isdigit() and int(value) >= 1:
        return int(value)
    raise argparse.ArgumentTypeError(f"{value!r} is not a number of processes (1 or more) or 'auto'")


def _codes(value: str | None, option: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    codes = tuple(c.upper() for c in split_list(value))
    for code in codes:
        if not (code.isalnum() and code[:1].isalpha()):
            raise ReviewlintError(f"reviewlint: {code!r} is not a code prefix such as RVL1 or RVL101")
    check_known_codes(codes, f"reviewlint: {option}")
    return codes


def _list_rules() -> str:
    from reviewlint.rules import rule_classes

    return "".join(f"{rule.code}  {rule.summary()}\n" for rule in rule_classes())


def _explain(code: str) -> str:
    from reviewlint.rules import rule_by_code

    rule = rule_by_code(code)
    if rule is None:
        raise ReviewlintError(f"reviewlint: unknown rule {code!r} (see --list-rules)")
    return rule.explain()


class Progress:
    """A counter of the files whose work is done, on a terminal's stderr, for long runs only.

    Nothing is written before `delay` seconds have passed or for fewer than
    `min_files` inputs; `close` leaves the line clean.
    """

    def __init__(self, stream: TextIO, delay: float = 1.0, min_files: int = 50, interval: float = 0.1) -> None:
        self.stream = stream
        self.delay, self.min_files, self.interval = delay, min_files, interval
        self.start = time.monotonic()
        self.drawn_at: float | None = None

    def __call__(self, done: int, total: int) -> None:
        if total < self.min_files:
            return
        now = time.monotonic()
        if now - self.start < self.delay or (self.drawn_at is not None and now - self.drawn_at < self.interval):
            return
        self.drawn_at = now
        self.stream.write(f"\r\033[Kreviewlint: {done}/{total} files checked")
        self.stream.flush()

    def close(self) -> None:
        """Erase the counter if it was drawn."""
        if self.drawn_at is not None:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.drawn_at = None


def use_color(choice: str, stream: TextIO, environ: Mapping[str, str]) -> bool:
    """--color: always/never as said; auto honours NO_COLOR, then FORCE_COLOR, then a terminal."""
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    return stream.isatty() and environ.get("TERM") != "dumb"


def _shown_text(data: bytes) -> str:
    """A stdin buffer's text for --show-source (decoded as the linter decodes it, or as best it can)."""
    from reviewlint.core.source import UnreadableSource, decode_source

    try:
        return decode_source(data)
    except UnreadableSource:
        return data.decode("utf-8", "replace")


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status. Raises ReviewlintError for usage errors."""
    args = build_parser().parse_args(argv)
    if args.list_rules:
        sys.stdout.write(_list_rules())
        return 0
    if args.explain:
        sys.stdout.write(_explain(args.explain))
        return 0
    from reviewlint.app.engine import display_path, lint_paths, lint_stdin, start_run
    from reviewlint.model.project import forget_projects, paused_gc
    from reviewlint.app.reporters import DOCUMENT_FORMATS, REPORTERS, ReportOptions, Sources, statistics

    overrides: dict = {}
    select = _codes(args.select, "--select")
    if select is not None:
        overrides["select"] = select
    ignore = _codes(args.ignore, "--ignore")
    if ignore is not None:
        overrides["ignore"] = ignore
    extend = _codes(args.extend_ignore, "--extend-ignore") or ()
    if Path("-") in args.paths and args.paths != [Path("-")]:
        raise ReviewlintError("reviewlint: '-' reads stdin and cannot be combined with other PATHs")
    # Like flake8, a buffer with no name is `stdin`: its place in the project is unknown.
    stdin_name = args.stdin_filename or ("stdin" if args.paths == [Path("-")] else None)
    if stdin_name is not None:
        if args.paths and args.paths != [Path("-")]:
            raise ReviewlintError("reviewlint: --stdin-filename reads stdin; give no PATH (or '-')")
        if args.fix or args.diff:
            raise ReviewlintError("reviewlint: --fix and --diff work on files, not on stdin")
    paths = args.paths or [Path(".")]
    first = Path(stdin_name) if stdin_name is not None else paths[0]
    change = None
    if args.baseline_commit is not None:
        from reviewlint.app.review import open_change, refuse_with

        refuse_with(stdin_name is not None, args.fix or args.diff, args.write_baseline is not None)
        change = open_change(first, args.baseline_commit)
    from reviewlint.core.cache import cache_directory

    cache_dir = None if args.no_cache else cache_directory(str(args.cache_dir) if args.cache_dir else None)
    run = start_run(first, args.config, overrides, extend, cache_dir)
    if args.show_project:
        from reviewlint.app.describe import describe_project

        sys.stdout.write(describe_project(run.project))
        return 0
    stdin_sources: dict[str, str] | None = None
    progress = Progress(sys.stderr) if stdin_name is None and sys.stderr.isatty() and not args.quiet else None
    try:
        with paused_gc():
            if stdin_name is not None:
                # At most one byte past the limit: stdin may be /dev/zero.
                data = sys.stdin.buffer.read(run.project.config.max_file_size + 1)
                findings = lint_stdin(run, stdin_name, data)
                if args.show_source:  # the buffer's lines, under the name findings give it too
                    text = _shown_text(data)
                    stdin_sources = {stdin_name: text, display_path(Path(stdin_name)): text}
            else:
                findings = lint_paths(run, paths, progress, args.jobs)
    finally:
        if progress is not None:
            progress.close()
    if args.fix or args.diff:
        from reviewlint.app.fix import apply_fixes

        # --diff shows what --fix would write and writes nothing, with or without --fix (as ruff does).
        changed = apply_fixes(run, findings, write=not args.diff, warn=_warn)
        if args.diff:
            sys.stdout.write("".join(change.diff for change in changed))
            return 1 if changed and not args.exit_zero else 0
        if changed:
            if not args.quiet:
                sys.stderr.write(f"reviewlint: fixed {sum(c.fixed for c in changed)} finding(s) "
                                 f"in {len(changed)} file(s)\n")
            forget_projects()
            run = start_run(first, args.config, overrides, extend, cache_dir)
            findings = lint_paths(run, paths, jobs=args.jobs)
    if args.write_baseline:
        from reviewlint.app.baseline import write_baseline

        write_baseline(args.write_baseline, findings)
        if not args.quiet:
            sys.stderr.write(f"reviewlint: recorded {len(findings)} finding(s) in {args.write_baseline}\n")
        return 0
    if change is not None:
        from reviewlint.app.review import review_change

        findings = review_change(change, run, paths, findings, args, overrides, extend, cache_dir)
    if args.baseline:
        from reviewlint.app.baseline import new_findings, read_baseline

        findings = new_findings(findings, read_baseline(args.baseline))
    options = ReportOptions(
        sources=Sources(stdin_sources),
        root=run.project.root,
        repository=change.top if change is not None else None,
        in_change=change.changed if change is not None else None,
        color=args.format == "text" and use_color(args.color, sys.stdout, os.environ),
        show_source=args.show_source,
    )
    sys.stdout.write(REPORTERS[args.format](findings, options))
    if args.statistics:
        # A JSON or SARIF document must stay one valid document on stdout.
        (sys.stderr if args.format in DOCUMENT_FORMATS else sys.stdout).write(statistics(findings))
    return 1 if findings and not args.exit_zero else 0


def _warn(message: str) -> None:
    sys.stderr.write(f"reviewlint: {message}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: one line on stderr and exit 2 for usage errors, 3 for internal errors; never a traceback."""
    from reviewlint.core.guard import describe_error

    try:
        return run(argv)
    except ReviewlintError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    except InternalError as exc:
        sys.stderr.write(f"reviewlint: internal error while analysing {exc.where}: {describe_error(exc.error)} "
                         "(a bug in reviewlint: please report it)\n")
        return EXIT_INTERNAL_ERROR
    except Exception as exc:
        sys.stderr.write(f"reviewlint: internal error: {describe_error(exc)} (a bug in reviewlint: please report it)\n")
        return EXIT_INTERNAL_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("reviewlint: interrupted\n")
        return 130
    except BrokenPipeError:
        return 1
