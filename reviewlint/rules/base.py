"""What every rule is: a code, a message, its documentation and a check."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Iterable, Mapping

from reviewlint.core.config import resolve_path
from reviewlint.core.findings import Finding

if TYPE_CHECKING:
    from reviewlint.model.module import Function, ModuleInfo, Site
    from reviewlint.model.project import Project


@dataclass
class LintContext:
    """One file being linted, within its project."""

    path: Path  # resolved path on disk (or the stdin file name)
    display: str  # how findings name the file
    source: str
    project: "Project"
    module: "ModuleInfo"
    memo: dict[str, Any] = field(default_factory=dict)

    def finding(self, code: str, line: int, col: int, message: str,
                fallback_lines: tuple[int, ...] = (), end: tuple[int, int] = (0, 0)) -> Finding:
        """A finding in this file; `end` is where the reported code ends, when known."""
        return Finding(self.display, line, col, code, message, fallback_lines, *end)

    def header(self, code: str, handler: "Function", message: str) -> Finding:
        """A finding on a handler's `def` line, up to its name (see the bare-noqa rule in RULES.md)."""
        lines = tuple(d.line for d in handler.decorators)
        return self.finding(code, handler.line, 0, message, lines, handler.owner.end_of(handler.node.name))

    def is_here(self, path: Path) -> bool:
        """True when `path` is the file being linted."""
        return resolve_path(path) == self.path

    def position(self, site: "Site") -> tuple[int, int]:
        """(line, column) of a node of this file named as data."""
        node = self.module.node_at(site.ordinal)
        return self.module.position(node) if node is not None else (1, 0)

    def end(self, site: "Site") -> tuple[int, int]:
        """(line, exclusive column) where a node of this file named as data ends; (0, 0) if unknown."""
        node = self.module.node_at(site.ordinal)
        return self.module.end_of(node) if node is not None else (0, 0)


def own_handlers(ctx: LintContext) -> list["Function"]:
    """The wsgify-decorated handlers of this file, none in a test package (its fakes serve no API)."""
    if "own_handlers" not in ctx.memo:
        handlers = ctx.module.handlers() if ctx.project.may_hold_handlers(ctx.path) else ()
        ctx.memo["own_handlers"] = list(handlers)
    return ctx.memo["own_handlers"]


class Rule:
    """A rule: subclasses set the class attributes and implement `check`.

    The class docstring is the rule's documentation: its first line is the
    summary, the rest says why it matters.
    """

    code: ClassVar[str]
    message: ClassVar[str]
    location: ClassVar[str] = "header"
    # One level per code in every output format (SARIF `level`, GitHub annotations, JSON):
    # "error" (the run or the API is broken), "warning", or "note" (documentation).
    severity: ClassVar[str] = "warning"
    # The examples: small file sets (relative path -> text) written over a skeleton service
    # (package `svc`: setup.cfg, VERSIONS 1.0-1.2, `util`, `PlacementWsgify`). `bad` gives
    # this rule's code exactly on the lines that end with EXAMPLE_MARK; `good` is written over
    # `bad` (it names the files the fix changes or adds) and gives nothing. tests/test_examples.py
    # lints both; the marks are not shown.
    bad: ClassVar[Mapping[str, str]] = {}
    good: ClassVar[Mapping[str, str]] = {}

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        """Yield this rule's findings for the file in `ctx`."""
        return ()

    @classmethod
    def summary(cls) -> str:
        """The first line of the docstring."""
        return inspect.getdoc(cls).splitlines()[0]  # type: ignore[union-attr]

    @classmethod
    def rationale(cls) -> str:
        """The docstring after its first paragraph."""
        doc = inspect.getdoc(cls) or ""
        return doc.partition("\n\n")[2].strip()

    @classmethod
    def explain(cls) -> str:
        """The rule's documentation as text: what, why, where, bad and good examples."""
        parts = [f"{cls.code}: {cls.summary()}", ""]
        if cls.rationale():
            parts.append("Why: " + cls.rationale())
        parts += [f"Reported at: {cls.location}.", f"Severity: {cls.severity}."]
        for title, files in (("Bad", cls.bad), ("Good", cls.good)):
            if files:
                note = " (the other files as in Bad)" if title == "Good" and good_keeps_bad_files(cls) else ""
                parts += ["", f"{title}{note}:"]
                for path, text in example_files(files).items():
                    where = marked_lines_note(cls, path) if title == "Bad" else ""
                    parts += ["", f"    {path}{where}:", "", _indent(text)]
        return "\n".join(parts) + "\n"


# Ends a line where the `bad` example gives the rule's finding; taken out before the
# example is shown or linted (a trailing comment would document an RVL3xx constant).
EXAMPLE_MARK = "# <-"
EXAMPLE_LANGUAGES = {".py": "python", ".yaml": "yaml", ".yml": "yaml", ".rst": "rst", ".inc": "rst",
                     ".cfg": "ini"}


def example_files(files: Mapping[str, str]) -> dict[str, str]:
    """An example's files as shown and linted: dedented, without the marks, newline-terminated."""
    return {path: "\n".join(_unmarked(line) for line in inspect.cleandoc(text).splitlines()) + "\n"
            for path, text in files.items()}


def example_marks(files: Mapping[str, str]) -> list[tuple[str, int]]:
    """(path, line) of each marked line of an example, sorted."""
    return sorted((path, number) for path, text in files.items()
                  for number, line in enumerate(inspect.cleandoc(text).splitlines(), 1)
                  if line.rstrip().endswith(EXAMPLE_MARK))


def marked_lines_note(rule: type[Rule], path: str) -> str:
    """` (RVL101 on line 2)` after the name of a `bad` example's file that has marked lines."""
    lines = [str(line) for where, line in example_marks(rule.bad) if where == path]
    if not lines:
        return ""
    return f" ({rule.code} on line{'s' if len(lines) > 1 else ''} {', '.join(lines)})"


def example_language(path: str) -> str:
    """The Markdown fence language of an example file."""
    return EXAMPLE_LANGUAGES.get(Path(path).suffix, "text")


def _unmarked(line: str) -> str:
    stripped = line.rstrip()
    return stripped[: -len(EXAMPLE_MARK)].rstrip() if stripped.endswith(EXAMPLE_MARK) else line


def good_keeps_bad_files(rule: type[Rule]) -> bool:
    """True when the `good` example names only some of the `bad` example's files (it keeps the others)."""
    return bool(set(rule.bad) - set(rule.good))


def _indent(code: str) -> str:
    return "\n".join("        " + line if line else "" for line in code.splitlines())


def handlers_phrase(labels: Iterable[str], shown: int = 3) -> str:
    """`handler X`, or `handlers X, Y and Z` (the first `shown`, then how many more), for messages."""
    ordered = sorted(set(labels))
    if len(ordered) == 1:
        return f"handler {ordered[0]}"
    named = ordered[:shown]
    rest = len(ordered) - len(named)
    if rest:
        return f"handlers {', '.join(named)} and {rest} more"
    return f"handlers {', '.join(named[:-1])} and {named[-1]}"
