"""Turning findings into text: flake8 lines, JSON, SARIF 2.1.0, GitHub annotations, Zuul file comments.

Every format gives a code the same severity (the rule's `severity`), and
every format that shows source text reads it through `Sources`, which
holds the stdin buffer when there is one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence
from urllib.parse import quote

from reviewlint import REPOSITORY_URL, __version__
from reviewlint.core.findings import Finding

# The version of the `--format json` document (README, docs/reviewlint-json-v1.schema.json).
JSON_FORMAT_VERSION = 1

# flake8's colours (flake8.formatting.default.COLORS), so both front ends look alike.
BOLD, RED, CYAN, RESET = "\033[1m", "\033[31m", "\033[36m", "\033[m"

GITHUB_LEVELS = {"error": "error", "warning": "warning", "note": "notice"}


def severity_of(code: str) -> str:
    """The level of a code in every format: "error", "warning" or "note"."""
    from reviewlint.rules import rule_by_code

    rule = rule_by_code(code)
    return rule.severity if rule is not None else "warning"


class Sources:
    """The lines of reported files, read once; `overrides` holds buffers read from stdin."""

    def __init__(self, overrides: dict[str, str] | None = None) -> None:
        self._lines: dict[str, list[str]] = {
            path: text.splitlines(keepends=True) for path, text in (overrides or {}).items()}

    def lines(self, path: str) -> list[str]:
        """The lines of `path` as reported (with their line ends); [] when it cannot be read."""
        if path not in self._lines:
            from reviewlint.core.source import UnreadableSource, read_source

            try:
                self._lines[path] = read_source(Path(path)).splitlines(keepends=True)
            except (UnreadableSource, OSError, ValueError):
                self._lines[path] = []
        return self._lines[path]

    def line(self, path: str, number: int) -> str | None:
        """One physical line with its line end, or None when unknown."""
        lines = self.lines(path)
        return lines[number - 1] if 1 <= number <= len(lines) else None


@dataclass
class ReportOptions:
    """What a reporter needs besides the findings."""

    sources: Sources = field(default_factory=Sources)
    root: Path | None = None  # the project root: SARIF's %SRCROOT%
    repository: Path | None = None  # the git repository's top (zuul's paths), when known
    in_change: frozenset[str] | None = None  # the paths a reviewed change touches (zuul), relative to it
    color: bool = False
    show_source: bool = False


# -- text ----------------------------------------------------------------------------
def text(findings: Sequence[Finding], options: ReportOptions) -> str:
    """`path:line:col: CODE message`, one per line; flake8's colours and `--show-source`."""
    bold, red, cyan, reset = (BOLD, RED, CYAN, RESET) if options.color else ("", "", "", "")
    out = []
    for f in findings:
        out.append(f"{bold}{f.path}{reset}{cyan}:{reset}{f.line}{cyan}:{reset}{f.col + 1}{cyan}:{reset} "
                   f"{bold}{red}{f.code}{reset} {f.message}\n")
        if options.show_source:
            out.append(source_excerpt(options.sources.line(f.path, f.line), f.col))
    return "".join(out)


def source_excerpt(physical_line: str | None, col: int) -> str:
    """flake8's `--show-source`: the line, then a caret under the column (tabs kept)."""
    if physical_line is None:
        return ""
    if not physical_line.endswith("\n"):
        physical_line += "\n"
    indent = "".join(c if c.isspace() else " " for c in physical_line[:col])
    return f"{physical_line}{indent}^\n"


# -- json ----------------------------------------------------------------------------
def as_json(findings: Sequence[Finding], options: ReportOptions) -> str:
    """The versioned JSON document described in docs/json-format.md."""
    rows = [{
        "path": f.path,
        "line": f.line,
        "column": f.col + 1,
        "end_line": f.end_line or None,
        "end_column": f.end_col + 1 if f.end_line else None,
        "code": f.code,
        "severity": severity_of(f.code),
        "message": f.message,
        **({"related": f.related} if f.related else {}),
    } for f in findings]
    document = {"version": JSON_FORMAT_VERSION, "tool": {"name": "reviewlint", "version": __version__},
                "findings": rows}
    return json.dumps(document, indent=2) + "\n"


# -- SARIF ---------------------------------------------------------------------------
def artifact_location(path: str, root: Path | None) -> tuple[dict, str]:
    """SARIF's artifactLocation for a reported path, and the path fingerprints use.

    Inside the root: a percent-encoded relative URI based on %SRCROOT%;
    elsewhere an absolute `file:` URI.
    """
    absolute = Path(os.path.abspath(path))
    if root is not None:
        try:
            relative = absolute.relative_to(root).as_posix()
        except ValueError:
            pass
        else:
            return {"uri": quote(relative, safe="/"), "uriBaseId": "%SRCROOT%"}, relative
    return {"uri": absolute.as_uri()}, absolute.as_posix()


_SPACE = re.compile(r"\s+")


def fingerprints(findings: Sequence[Finding], options: ReportOptions) -> list[str]:
    """A fingerprint per finding that survives lines moving above it.

    sha256 of code, root-relative path and the reported line's text with
    whitespace collapsed, then `:N`, the finding's occurrence among those
    with the same three (in order of position).
    """
    seen: Counter[str] = Counter()
    prints = []
    for f in findings:
        _, path = artifact_location(f.path, options.root)
        text_line = _SPACE.sub(" ", options.sources.line(f.path, f.line) or "").strip()
        digest = hashlib.sha256("\0".join((f.code, path, text_line)).encode("utf-8", "surrogatepass")).hexdigest()
        prints.append(f"{digest}:{seen[digest]}")
        seen[digest] += 1
    return prints


def _region(f: Finding) -> dict:
    region = {"startLine": f.line, "startColumn": f.col + 1}
    if f.end_line:
        region.update(endLine=f.end_line, endColumn=f.end_col + 1)
    return region


def sarif(findings: Sequence[Finding], options: ReportOptions) -> str:
    """A SARIF 2.1.0 log for code scanning (GitHub, Azure DevOps, IDE viewers)."""
    from reviewlint.app.ruledocs import rule_markdown, rule_url
    from reviewlint.rules import rule_classes

    rules = rule_classes()
    index = {rule.code: n for n, rule in enumerate(rules)}
    descriptors = [{
        "id": r.code,
        "name": r.__name__,
        "shortDescription": {"text": r.summary()},
        "fullDescription": {"text": " ".join((r.rationale() or r.summary()).split())},
        "help": {"text": r.explain(), "markdown": rule_markdown(r)},
        "helpUri": rule_url(r.code),
        "defaultConfiguration": {"level": r.severity},
    } for r in rules]
    results = []
    for f, print_ in zip(findings, fingerprints(findings, options)):
        location, _ = artifact_location(f.path, options.root)
        result: dict[str, Any] = {
            "ruleId": f.code,
            "level": severity_of(f.code),
            "message": {"text": f.message},
            "locations": [{"physicalLocation": {"artifactLocation": location, "region": _region(f)}}],
            "partialFingerprints": {"reviewlint/v1": print_},
        }
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        if f.related:
            related, _ = artifact_location(f.related, options.root)
            result["relatedLocations"] = [{"id": 0, "physicalLocation": {"artifactLocation": related},
                                           "message": {"text": "the changed file that caused it"}}]
        results.append(result)
    run: dict = {
        "tool": {"driver": {"name": "reviewlint", "version": __version__, "informationUri": REPOSITORY_URL,
                            "rules": descriptors}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if options.root is not None:
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": options.root.as_uri().rstrip("/") + "/"}}
    log = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2) + "\n"


# -- GitHub Actions --------------------------------------------------------------------
def escape_data(value: str) -> str:
    """A workflow command's message, escaped as the Actions toolkit does (`escapeData`)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """A workflow command's property value (`file=`, `title=`), as the toolkit's `escapeProperty`."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(findings: Sequence[Finding], options: ReportOptions) -> str:
    """GitHub Actions workflow commands (`::warning file=...::message`), one per finding."""
    out = []
    for f in findings:
        properties = {"file": f.path.replace("\\", "/"), "line": str(f.line), "col": str(f.col + 1)}
        if f.end_line:
            properties.update(endLine=str(f.end_line), endColumn=str(f.end_col + 1))
        properties["title"] = f.code
        joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
        level = GITHUB_LEVELS[severity_of(f.code)]
        out.append(f"::{level} {joined}::{escape_data(f.code + ' ' + f.message)}\n")
    return "".join(out)


# -- Zuul ------------------------------------------------------------------------------------
# Where Zuul puts a comment about the change as a whole (Gerrit shows it on the commit message).
COMMIT_MESSAGE = "/COMMIT_MSG"


def repository_of(root: Path | None) -> Path | None:
    """The nearest ancestor of `root` holding `.git` (a directory, or a worktree's file), else `root`."""
    if root is None:
        return None
    for candidate in (root, *root.parents):
        if (candidate / ".git").exists():
            return candidate
    return root


def zuul(findings: Sequence[Finding], options: ReportOptions) -> str:
    """The `file_comments` a Zuul job returns with `zuul_return`: {path: [{line, message, range?}]}.

    Paths are relative to the repository's top, as Gerrit names a change's
    files. Reviewing a change, a finding in a file the change does not touch
    (Gerrit takes no comment there) goes on line 1 of the changed file that
    caused it (else on the commit message), naming where it is.
    """
    top = options.repository or repository_of(options.root)

    def relative(name: str) -> str:
        absolute = Path(os.path.abspath(name))
        try:
            return absolute.relative_to(top).as_posix() if top is not None else absolute.as_posix()
        except ValueError:
            return absolute.as_posix()

    comments: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        path = relative(f.path)
        line = max(f.line, 1)
        comment: dict[str, Any] = {"line": line, "message": f"{f.code} {f.message}"}
        if options.in_change is not None and path not in options.in_change:
            # On the changed file that caused it, when that is one file still there; else the change's.
            cause = relative(f.related) if f.related else ""
            comment = {"line": 1, "message": f"{path}:{line}: {comment['message']}"}
            path = cause if cause in options.in_change and os.path.isfile(f.related) else COMMIT_MESSAGE
        elif f.end_line == f.line and f.end_col > f.col:  # Gerrit's range ends on the comment's line
            comment["range"] = {"start_line": line, "start_character": f.col,
                                "end_line": line, "end_character": f.end_col}
        comments.setdefault(path, []).append(comment)
    return json.dumps(comments, indent=2, sort_keys=True) + "\n"


def statistics(findings: Sequence[Finding]) -> str:
    """flake8-style `--statistics`: count, code and the first message, per code."""
    counts = Counter(f.code for f in findings)
    first: dict[str, str] = {}
    for f in findings:
        first.setdefault(f.code, f.message)
    return "".join(f"{counts[code]:<5} {code} {first[code]}\n" for code in sorted(counts))


REPORTERS: dict[str, Callable[[Sequence[Finding], ReportOptions], str]] = {
    "text": text, "json": as_json, "sarif": sarif, "github": github, "zuul": zuul,
}
# Formats whose standard output is one machine-read document: statistics go to stderr.
DOCUMENT_FORMATS = frozenset({"json", "sarif", "zuul"})
