"""The documentation model of a module: which module-level names a reader finds explained.

A constant is documented by a comment on the line directly above its
assignment, a comment ending its first line (`#:` is the Sphinx spelling of
either) or a string-literal statement directly after it; a function by its
docstring. Comments come from LibCST's whitespace nodes, never from
matching text.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Iterator, Sequence

import libcst as cst

from reviewlint.core.config import is_exempt_name
from reviewlint.model.module import ModuleInfo, dotted

if TYPE_CHECKING:
    from reviewlint.model.project import Project

PUBLIC_CONSTANT = re.compile(r"[A-Z][A-Z0-9_]*\Z")
# Comments that talk to tools, not to readers.
PRAGMA = re.compile(r"#\s*(noqa\b|type:|pragma:|pylint:|flake8[:=]|fmt:|isort:)", re.I)
TYPE_FACTORIES = frozenset({"TypeVar", "NewType", "ParamSpec", "TypeVarTuple"})
TYPING_MODULES = ("typing.", "typing_extensions.", "collections.abc.")
GENERIC_BUILTINS = frozenset({"dict", "list", "tuple", "set", "frozenset", "type"})


# -- documentation of one module --------------------------------------------------
def _is_doc_comment(comment: cst.Comment | None) -> bool:
    return comment is not None and not PRAGMA.match(comment.value)


def _comment_above(lines: Sequence[cst.EmptyLine]) -> bool:
    return bool(lines) and _is_doc_comment(lines[-1].comment)


def _first_line_comment(statement: cst.SimpleStatementLine) -> bool:
    """True when the line the statement starts on ends with a comment.

    The first TrailingWhitespace in source order ends the first line, unless a
    backslash continuation or a multi-line string ended that line before it.
    """
    stack: list[cst.CSTNode] = [statement]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.TrailingWhitespace):
            return _is_doc_comment(node.comment)
        if isinstance(node, cst.SimpleWhitespace) and "\\" in node.value:
            return False
        if isinstance(node, (cst.SimpleString, cst.FormattedStringText)) and "\n" in node.value:
            return False
        stack.extend(reversed(node.children))
    return False


def _is_docstring(statement: cst.BaseStatement) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine) or not statement.body:
        return False
    first = statement.body[0]
    return isinstance(first, cst.Expr) and isinstance(first.value, (cst.SimpleString, cst.ConcatenatedString)) \
        and not any(isinstance(part, cst.FormattedString) for part in _string_parts(first.value))


def _string_parts(expr: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    if isinstance(expr, cst.ConcatenatedString):
        yield from _string_parts(expr.left)
        yield from _string_parts(expr.right)
    else:
        yield expr


def _targets(small: cst.BaseSmallStatement) -> list[str]:
    """The plain names a module-level assignment binds."""
    if isinstance(small, cst.AnnAssign):
        exprs = [small.target] if small.value is not None else []
    elif isinstance(small, cst.Assign):
        exprs = [t.target for t in small.targets]
    else:
        return []
    names = []
    for expr in exprs:
        if isinstance(expr, (cst.Tuple, cst.List)):
            names += [e.value.value for e in expr.elements if isinstance(e.value, cst.Name)]
        elif isinstance(expr, cst.Name):
            names.append(expr.value)
    return names


def _is_type_alias(module: ModuleInfo, small: cst.BaseSmallStatement) -> bool:
    if isinstance(small, cst.AnnAssign) and (dotted(small.annotation.annotation) or "").endswith("TypeAlias"):
        return True
    value = getattr(small, "value", None)
    if isinstance(value, cst.Call):
        return (module.resolve(value.func) or "").rsplit(".", 1)[-1] in TYPE_FACTORIES
    if isinstance(value, cst.Subscript):
        base = module.resolve(value.value) or ""
        return base.startswith(TYPING_MODULES) or base in GENERIC_BUILTINS
    return False


def is_exempt(module: ModuleInfo, name: str) -> bool:
    """Private, dunder, logger or listed in `constant-exempt` (NAME, module.NAME, globs)."""
    return is_exempt_name(module.config, module.name, name)


def _statements(body: Sequence[cst.BaseStatement],
                header: Sequence[cst.EmptyLine] = ()) -> Iterator[tuple[cst.SimpleStatementLine, bool]]:
    """(simple statement, has a comment above or a docstring after) at module level, blocks included."""
    for index, statement in enumerate(body):
        if isinstance(statement, cst.SimpleStatementLine):
            above = statement.leading_lines or (header if index == 0 else ())
            after = index + 1 < len(body) and _is_docstring(body[index + 1])
            yield statement, _comment_above(above) or after
        elif isinstance(statement, cst.If):
            yield from _statements(_block(statement.body))
            orelse = statement.orelse
            while orelse is not None:
                yield from _statements(_block(orelse.body))
                orelse = orelse.orelse if isinstance(orelse, cst.If) else None
        elif isinstance(statement, cst.Try):
            for suite in (statement.body, *(h.body for h in statement.handlers),
                          *(b.body for b in (statement.orelse, statement.finalbody) if b is not None)):
                yield from _statements(_block(suite))


def _block(suite: cst.BaseSuite) -> Sequence[cst.BaseStatement]:
    """The statements of an indented block (a one-line suite holds no documented constants)."""
    return suite.body if isinstance(suite, cst.IndentedBlock) else ()


def undocumented_constants(module: ModuleInfo, project: "Project | None" = None) -> dict[str, cst.CSTNode]:
    """Public constants of `module` none of whose assignments is documented, with the first one.

    A constant whose value documents itself is left out: a JSON Schema
    (through imports and `copy.deepcopy` chains when `project` is given) or
    a regular expression (`re.compile(...)`, or a string a schema in the
    module uses as a `pattern` or a `patternProperties` key). So is an
    alias of another module's object (`CONF = config.CONF`): it is
    documented, if at all, where that object is defined.
    """
    first: dict[str, cst.BaseSmallStatement] = {}
    documented: set[str] = set()
    for statement, nearby in _statements(module.tree.body, module.tree.header):
        for small in statement.body:
            names = [n for n in _targets(small) if PUBLIC_CONSTANT.match(n) and not is_exempt(module, n)]
            if not names or _is_type_alias(module, small):
                continue
            if nearby or _first_line_comment(statement):
                documented.update(names)
            for name in names:
                first.setdefault(name, small)
    undocumented = {name: node for name, node in first.items() if name not in documented}
    if undocumented:
        patterns = _pattern_names(module)
        for name, node in list(undocumented.items()):
            value = getattr(node, "value", None)
            if name in patterns or _is_alias(module, value) or _documents_itself(module, value, project):
                del undocumented[name]
    return dict(undocumented)


def _is_alias(module: ModuleInfo, value: cst.BaseExpression | None) -> bool:
    """`value` names another module's object: an imported name, or an attribute of one (`config.CONF`)."""
    name = dotted(value) if value is not None else None
    return name is not None and name.split(".", 1)[0] in module.imports


def _documents_itself(module: ModuleInfo, value: cst.BaseExpression | None, project: "Project | None") -> bool:
    if value is None:
        return False
    if isinstance(value, cst.Call) and (module.resolve(value.func) or "") in ("re.compile", "regex.compile"):
        return True
    if project is not None:
        from reviewlint.model.schemas import evaluator_for, is_json_schema

        return is_json_schema(evaluator_for(project).evaluate(module, value))
    return isinstance(value, cst.Dict) and _is_schema_literal(value)


def _is_schema_literal(value: cst.Dict) -> bool:
    from reviewlint.model.module import string_value
    from reviewlint.model.schemas import JSON_TYPES, SCHEMA_KEYS

    keys = {string_value(e.key) for e in value.elements if isinstance(e, cst.DictElement)}
    if "type" in keys:
        kind = next(string_value(e.value) for e in value.elements
                    if isinstance(e, cst.DictElement) and string_value(e.key) == "type")
        return kind in JSON_TYPES
    return bool(keys & (SCHEMA_KEYS - {"type", "required", "enum"}))


def _pattern_names(module: ModuleInfo) -> set[str]:
    """Names a schema dict of the module uses as a `pattern` value or a `patternProperties` key."""
    from reviewlint.model.module import string_value, walk

    if "pattern" not in module.source:
        return set()
    names: set[str] = set()
    for node in walk(module.tree):
        if not isinstance(node, cst.Dict):
            continue
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                continue
            key = string_value(element.key)
            if key == "pattern" and isinstance(element.value, cst.Name):
                names.add(element.value.value)
            elif key == "patternProperties" and isinstance(element.value, cst.Dict):
                names.update(e.key.value for e in element.value.elements
                             if isinstance(e, cst.DictElement) and isinstance(e.key, cst.Name))
    return names


def plain_imports(module: ModuleInfo) -> Iterator[str]:
    """Full names of `import a.b.c` statements (ModuleInfo keeps only `a`)."""
    for statement in module.tree.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        if alias.asname is None:
                            yield dotted(alias.name) or ""


def binding_positions(source: str) -> dict[str, tuple[int, int]]:
    """(line, column) of the first module-level assignment of each name, blocks included.

    Python's own parser walks the statements in the order `_statements` does
    and is far cheaper than LibCST's position metadata for the whole module.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # MemoryError: its parser's stack overflowed
        return {}
    found: dict[str, tuple[int, int]] = {}

    def visit(body: list[ast.stmt], header_line: int = 0) -> None:
        if body and body[0].lineno == header_line:
            return  # a one-line suite (`if x: A = 1`), which `_statements` skips too
        for statement in body:
            if isinstance(statement, (ast.Assign, ast.AnnAssign)):
                targets = statement.targets if isinstance(statement, ast.Assign) else (
                    [statement.target] if statement.value is not None else [])
                for target in targets:
                    for node in (target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]):
                        if isinstance(node, ast.Name):
                            found.setdefault(node.id, (statement.lineno, statement.col_offset))
            elif isinstance(statement, ast.If):
                visit(statement.body, statement.lineno)
                visit(statement.orelse, statement.lineno)
            elif isinstance(statement, ast.Try):
                visit(statement.body, statement.lineno)
                for handler in statement.handlers:
                    visit(handler.body, handler.lineno)
                visit(statement.orelse)
                visit(statement.finalbody)

    visit(tree.body)
    return found
