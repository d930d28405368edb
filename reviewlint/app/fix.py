"""Autofixes for RVL101 and RVL102, written atomically and only when asked.

A fix is applied to a LibCST tree, the result must parse again (with LibCST
and with Python's own parser), and the file is replaced in one step
(a temporary file in the same directory, then `os.replace`), in its own
encoding (coding cookie, BOM) and newlines, keeping its mode and owner.
A symlink is written through to its target inside the project. A file that
cannot be rewritten that way (read-only, hard-linked, a link out of the
project, changed since it was read, one LibCST does not reproduce byte for
byte) is left untouched with a one-line message.
"""

from __future__ import annotations

import difflib
import io
import os
import stat
import tempfile
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import libcst as cst

from reviewlint.core.config import resolve_path
from reviewlint.app.engine import Run
from reviewlint.core.errors import InternalError, ReviewlintError
from reviewlint.core.findings import Finding
from reviewlint.core.guard import Limits, UnreadableSource, check_for_libcst, python_syntax_problem, read_bytes
from reviewlint.analysis.summary import handler_flow
from reviewlint.model.module import Function, ModuleInfo
from reviewlint.rules.base import LintContext
from reviewlint.rules.content_type import misplaced_checks, missing_require_content
from reviewlint.model.facts import function_named

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
        if any(function_named(ctx.project, f"{target}.{name}") for name in names):
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
    for handler in missing:
        reported = any(_handler_at([handler], line) for code, line in lines if code == "RVL101")
        # Only a JSON body says which media type to require.
        if reported and decorator is not None and handler_flow(ctx.project, handler).decodes_json:
            add[handler.node] = decorator
    for handler, misplaced, _ in misplaced_checks(ctx):
        if ("RVL102", misplaced.line) in lines:
            move.setdefault(handler.node, set()).add(handler.decorators.index(misplaced))
    if not add and not move:
        return ctx.source, 0
    fixed = len(add) + sum(len(indexes) for indexes in move.values())
    return ctx.module.tree.visit(_DecoratorFixer(add, move)).code, fixed


class Refused(Exception):
    """A file reviewlint will not rewrite; the message says why, on one line."""


def _checked_target(path: Path, root: Path) -> tuple[Path, os.stat_result]:
    """The real file behind `path` and its status, or Refused.

    A symlink is written through to its target when that lies inside the
    project; a hard-linked file is refused (an atomic rewrite would split
    the links, an in-place one would not be atomic), and so is a read-only one.
    """
    target = resolve_path(path)
    if target != root and root not in target.parents:
        raise Refused(f"it is a link to {target}, outside the project")
    try:
        status = os.stat(target)
    except OSError as exc:
        raise Refused(f"cannot stat it: {exc.strerror or exc}") from None
    if not stat.S_ISREG(status.st_mode):
        raise Refused("it is not a regular file")
    if status.st_nlink > 1:
        raise Refused(f"it has {status.st_nlink} hard links, which a rewrite would split")
    if not status.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(target, os.W_OK):
        raise Refused("it is read-only")
    return target, status


def _encoded(target: Path, original: str, text: str, limit: int) -> bytes:
    """`text` in the file's own encoding (coding cookie, BOM), if the file still holds `original`."""
    try:
        data = read_bytes(target, limit)
    except UnreadableSource as exc:
        raise Refused(str(exc)) from None
    try:
        encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
        unchanged = data == original.encode(encoding)
    except (SyntaxError, LookupError, UnicodeError):
        unchanged = False
    if not unchanged:
        raise Refused("it changed since it was read (another run fixed it?)")
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        raise Refused(f"the fix cannot be written in its encoding ({encoding})") from None


def _replace(target: Path, data: bytes, status: os.stat_result) -> None:
    """Replace `target` by `data` in one step, keeping its mode and owner."""
    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".reviewlint")
    except OSError as exc:
        raise Refused(f"cannot write in its directory: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fchmod(stream.fileno(), stat.S_IMODE(status.st_mode))
            if hasattr(os, "fchown") and (os.fstat(stream.fileno()).st_uid, os.fstat(stream.fileno()).st_gid) != (
                    status.st_uid, status.st_gid):
                try:
                    os.fchown(stream.fileno(), status.st_uid, status.st_gid)
                except OSError:
                    raise Refused("cannot keep its owner and group") from None
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except OSError as exc:
        raise Refused(f"cannot write it: {exc.strerror or exc}") from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _still_parses(text: str, limits: Limits) -> bool:
    try:
        check_for_libcst(text, limits)
        cst.parse_module(text)
    except (cst.ParserSyntaxError, UnreadableSource, RecursionError):
        return False
    return python_syntax_problem(text, limits) is None


def _fix_file(run: Run, display: str, file_findings: list[Finding], write: bool) -> Change | None:
    path = Path(display)
    module: ModuleInfo | None = run.project.module_at(path)
    if module is None:
        return None
    ctx = LintContext(resolve_path(path), display, module.source, run.project, module)
    text, fixed = fix_module(ctx, file_findings)
    limits = run.project.config.limits
    if not fixed or text == module.source or not _still_parses(text, limits):
        return None
    if module.tree.code != module.source:
        raise Refused("LibCST does not reproduce it byte for byte (form feeds, CR line endings), "
                      "so a rewrite would change more than the fix")
    target, status = _checked_target(path, run.project.root)
    data = _encoded(target, module.source, text, limits.max_file_size)
    diff = "".join(difflib.unified_diff(module.source.splitlines(keepends=True), text.splitlines(keepends=True),
                                        f"a/{display}", f"b/{display}"))
    if write:
        _replace(target, data, status)
    return Change(path, diff, fixed)


def apply_fixes(run: Run, findings: Sequence[Finding], write: bool,
                warn: Callable[[str], None] | None = None) -> list[Change]:
    """Fix the fixable findings; write the files when `write`, else only compute diffs.

    A file that cannot be rewritten safely is left alone and `warn` is
    told why; an unexpected exception is an InternalError naming the file.
    """
    by_file: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.code in FIXABLE:
            by_file.setdefault(finding.path, []).append(finding)
    changes = []
    for display, file_findings in sorted(by_file.items()):
        try:
            change = _fix_file(run, display, file_findings, write)
        except Refused as exc:
            if warn is not None:
                warn(f"not fixing {display}: {exc}")
            continue
        except ReviewlintError:
            raise
        except Exception as exc:
            raise InternalError(display, exc) from exc
        if change is not None:
            changes.append(change)
    return changes
