"""Autofixes for RVL101 and RVL102, written atomically and only when asked.

A fix is applied to a LibCST tree, the result must parse again (with LibCST
and with Python's own parser), and the file is replaced in one step
(a temporary file in the same directory, then `os.replace`), keeping its
permissions. Anything else leaves the file untouched.
"""

from __future__ import annotations

import ast
import difflib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import libcst as cst

from reviewlint.engine import Run
from reviewlint.findings import Finding
from reviewlint.flow import analyzer_for
from reviewlint.module import Function, ModuleInfo
from reviewlint.rules.base import LintContext
from reviewlint.rules.content_type import misplaced_checks, missing_require_content

FIXABLE = ("RVL101", "RVL102")


@dataclass(frozen=True)
class Change:
    """A file rewritten (or to be rewritten) by fixes."""

    path: Path
    diff: str
    fixed: int


class _DecoratorFixer(cst.CSTTransformer):
    def __init__(self, add: dict[cst.FunctionDef, cst.Decorator], move: dict[cst.FunctionDef, set[int]]) -> None:
        super().__init__()
        self.add = add
        self.move = move

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        decorators = list(updated_node.decorators)
        moved = self.move.get(original_node)
        if moved:
            # Content checks go last, right above `def`: below wsgify and version_handler.
            decorators = ([d for i, d in enumerate(decorators) if i not in moved]
                          + [d for i, d in enumerate(decorators) if i in moved])
        if original_node in self.add:
            decorators.append(self.add[original_node])
        if decorators == list(updated_node.decorators):
            return updated_node
        return updated_node.with_changes(decorators=decorators)


def _require_content_decorator(ctx: LintContext) -> cst.Decorator | None:
    """`@util.require_content('application/json')`, spelled with this module's own imports."""
    module = ctx.module
    names = module.config.require_content_decorators
    for local, target in module.imports.items():
        if local in names:
            expression = local
            break
        if any(ctx.project.function(f"{target}.{name}") for name in names):
            expression = f"{local}.{names[0]}"
            break
    else:
        return None
    return cst.Decorator(decorator=cst.parse_expression(f"{expression}('application/json')"))


def _handler_at(handlers: Sequence[Function], line: int) -> Function | None:
    for handler in handlers:
        if line == handler.line or line in (d.line for d in handler.decorators):
            return handler
    return None


def fix_module(ctx: LintContext, findings: Sequence[Finding]) -> tuple[str, int]:
    """The module's new source with the given findings fixed, and how many were."""
    lines = {(f.code, f.line) for f in findings}
    add: dict[cst.FunctionDef, cst.Decorator] = {}
    move: dict[cst.FunctionDef, set[int]] = {}
    missing = missing_require_content(ctx)
    decorator = _require_content_decorator(ctx) if missing else None
    analyzer = analyzer_for(ctx.project)
    for handler in missing:
        reported = any(_handler_at([handler], line) for code, line in lines if code == "RVL101")
        # Only a JSON body says which media type to require.
        if reported and decorator is not None and analyzer.handler_flow(handler).decodes_json:
            add[handler.node] = decorator
    for handler, misplaced, _ in misplaced_checks(ctx):
        if ("RVL102", misplaced.line) in lines:
            move.setdefault(handler.node, set()).add(handler.decorators.index(misplaced))
    if not add and not move:
        return ctx.source, 0
    fixed = len(add) + sum(len(indexes) for indexes in move.values())
    return ctx.module.tree.visit(_DecoratorFixer(add, move)).code, fixed


def _write_atomically(path: Path, text: str) -> None:
    mode = path.stat().st_mode
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".reviewlint")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _still_parses(text: str) -> bool:
    try:
        cst.parse_module(text)
        ast.parse(text)
    except (cst.ParserSyntaxError, SyntaxError, ValueError):
        return False
    return True


def apply_fixes(run: Run, findings: Sequence[Finding], write: bool) -> list[Change]:
    """Fix the fixable findings; write the files when `write`, else only compute diffs."""
    by_file: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.code in FIXABLE:
            by_file.setdefault(finding.path, []).append(finding)
    changes = []
    for display, file_findings in sorted(by_file.items()):
        path = Path(display)
        module: ModuleInfo | None = run.project.module_at(path)
        if module is None:
            continue
        ctx = LintContext(path.resolve(), display, module.source, run.project, module)
        text, fixed = fix_module(ctx, file_findings)
        if not fixed or text == module.source or not _still_parses(text):
            continue
        diff = "".join(difflib.unified_diff(module.source.splitlines(keepends=True), text.splitlines(keepends=True),
                                            f"a/{display}", f"b/{display}"))
        if write:
            _write_atomically(path, text)
        changes.append(Change(path, diff, fixed))
    return changes
