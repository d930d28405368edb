"""What every rule is: a code, a message, its documentation and a check."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Iterable

from reviewlint.config import resolve_path
from reviewlint.findings import Finding

if TYPE_CHECKING:
    from reviewlint.module import Function, ModuleInfo, Site
    from reviewlint.project import Project


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
    bad: ClassVar[str] = ""
    good: ClassVar[str] = ""
    language: ClassVar[str] = "python"  # of the examples (RVL6xx shows reStructuredText and YAML)

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
        """The rule's documentation as text: what, why, bad, good."""
        parts = [f"{cls.code}: {cls.summary()}", "", "Why: " + cls.rationale() if cls.rationale() else "",
                 f"Reported at: {cls.location}.", f"Severity: {cls.severity}."]
        if cls.bad:
            parts += ["", "Bad:", "", _indent(cls.bad)]
        if cls.good:
            parts += ["", "Good:", "", _indent(cls.good)]
        return "\n".join(p for p in parts if p is not None).strip() + "\n"


def _indent(code: str) -> str:
    return "\n".join("    " + line if line else "" for line in inspect.cleandoc(code).splitlines())


def handler_label(handler: "Function", project: "Project | None" = None) -> str:
    """How messages name a handler: `module.function`, with the version for redefinitions.

    Given the project and when it declares routes, the handler's routes
    (`PUT /traits/{name}`) name it instead.
    """
    label = f"{handler.module.rsplit('.', 1)[-1]}.{handler.name}"
    if project is not None:
        from reviewlint.routes import route_table

        table = route_table(project)
        routes = table.routes_of(handler) if table is not None else ()
        if routes:
            label = ", ".join(route.label for route in routes)
    for decorator in handler.decorators:
        if decorator.short == "version_handler" and decorator.call is not None and decorator.call.args:
            from reviewlint.module import string_value
            low = string_value(decorator.call.args[0].value)
            if low:
                label += f" (>= {low})"
    return label
