"""RVL3xx: documentation of constants and shared functions of handler modules.

What a handler module defines at module level is read by reviewers of every
module that imports it. A constant is documented by a comment on the line
directly above its assignment, a comment ending its first line (`#:` is the
Sphinx spelling of either) or a string-literal statement directly after it.
Comments come from LibCST's whitespace nodes, never from matching text.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Mapping, Sequence

import libcst as cst

from reviewlint.findings import Finding
from reviewlint.module import ModuleInfo, child_nodes, dotted
from reviewlint.rules.base import LintContext, Rule

if TYPE_CHECKING:
    from reviewlint.project import Project

PUBLIC_CONSTANT = re.compile(r"[A-Z][A-Z0-9_]*\Z")
EXEMPT_NAMES = frozenset({"LOG", "LOGGER"})
# Comments that talk to tools, not to readers.
PRAGMA = re.compile(r"#\s*(noqa\b|type:|pragma:|pylint:|flake8[:=]|fmt:|isort:)", re.I)
TYPE_FACTORIES = frozenset({"TypeVar", "NewType", "ParamSpec", "TypeVarTuple"})
TYPING_MODULES = ("typing.", "typing_extensions.", "collections.abc.")
GENERIC_BUILTINS = frozenset({"dict", "list", "tuple", "set", "frozenset", "type"})


@dataclass(frozen=True)
class SharedNames:
    """What a handler module offers other modules without documentation."""

    module: str
    constants: Mapping[str, cst.CSTNode]  # name -> its first assignment
    functions: frozenset[str]  # public functions without a docstring

    def __bool__(self) -> bool:
        return bool(self.constants or self.functions)


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
    if name in EXEMPT_NAMES or name.startswith("_"):
        return True
    qualified = f"{module.name}.{name}"
    return any(
        fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(qualified, pattern)
        or fnmatch.fnmatchcase(qualified, "*." + pattern)
        for pattern in module.config.constant_exempt
    )


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


def undocumented_constants(module: ModuleInfo) -> dict[str, cst.CSTNode]:
    """Public constants of `module` none of whose assignments is documented, with the first one."""
    first: dict[str, cst.CSTNode] = {}
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
    return {name: node for name, node in first.items() if name not in documented}


def handler_modules(project: "Project") -> dict[str, ModuleInfo]:
    """The project's handler modules by dotted name (the project decides what counts)."""
    def build(project: "Project") -> dict[str, ModuleInfo]:
        return {module.name: module for module in project.handler_modules()}

    return project.analysis("rvl3:handler_modules", build)  # type: ignore[no-any-return]


def is_handler_module(project: "Project", module: ModuleInfo) -> bool:
    """True when `module` is one of the project's handler modules."""
    return handler_modules(project).get(module.name) is module


def shared_names(project: "Project", dotted_name: str) -> SharedNames | None:
    """The undocumented public names of handler module `dotted_name` (None if it is not one)."""
    def build(project: "Project") -> SharedNames | None:
        module = handler_modules(project).get(dotted_name)
        if module is None:
            return None
        # Handlers are the API itself, reached through routes; calling one
        # from another module (a test, say) is not using a shared helper.
        handlers = {f.name for f in project.handlers() if f.owner is module}
        functions = frozenset(
            name for name in {f.name for f in module.functions} - handlers
            if not is_exempt(module, name)
            and not any(f.docstring for f in module.functions_named(name))
        )
        return SharedNames(module.name, undocumented_constants(module), functions)

    return project.analysis(f"rvl3:shared:{dotted_name}", build)  # type: ignore[no-any-return]


# -- uses in other modules ---------------------------------------------------------
def _plain_imports(module: ModuleInfo) -> Iterator[str]:
    """Full names of `import a.b.c` statements (ModuleInfo keeps only `a`)."""
    for statement in module.tree.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        if alias.asname is None:
                            yield dotted(alias.name) or ""


def imported_shared_names(project: "Project", module: ModuleInfo) -> list[SharedNames]:
    """The handler modules `module` imports from (itself excluded) that have undocumented names."""
    # `import a.b` is known to ModuleInfo as `a` only: use the full name, so
    # that importing one module of a package does not pull in all the others.
    imported = {full for local, full in module.imports.items() if local != full or "." in full}
    imported.update(_plain_imports(module))
    found = []
    for candidate in handler_modules(project):
        if candidate == module.name:
            continue
        if any(name == candidate or name.startswith(candidate + ".") or candidate.startswith(name + ".")
               for name in imported):
            names = shared_names(project, candidate)
            if names:
                found.append(names)
    return found


# Fields whose Name nodes bind or label rather than read.
_NOT_READS = {cst.Attribute: ("attr",), cst.Arg: ("keyword",), cst.Param: ("name",),
              cst.FunctionDef: ("name",), cst.ClassDef: ("name",)}


def _reads(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node below `node` in source order, minus imports and names that are not reads."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (cst.Import, cst.ImportFrom)):
            continue
        yield current
        skipped = [getattr(current, f) for f in _NOT_READS.get(type(current), ())]
        stack.extend(reversed([c for c in child_nodes(current) if not any(c is s for s in skipped)]))


@dataclass(frozen=True)
class SharedUse:
    """A read of an undocumented constant or a call of an undocumented function."""

    qualname: str
    node: cst.CSTNode


def shared_uses(project: "Project", module: ModuleInfo) -> tuple[list[SharedUse], list[SharedUse]]:
    """(constant reads, function calls) of other handler modules' undocumented names, first use each."""
    offered = imported_shared_names(project, module)
    constants = {f"{s.module}.{name}" for s in offered for name in s.constants}
    functions = {f"{s.module}.{name}" for s in offered for name in s.functions}
    reads: dict[str, SharedUse] = {}
    calls: dict[str, SharedUse] = {}
    if not constants and not functions:
        return [], []
    # Only names bound by an import that leads to one of them can resolve to one.
    heads = {local for local, full in module.imports.items()
             if any(q.startswith(full + ".") or q == full for q in constants | functions)}
    for node in _reads(module.tree):
        if isinstance(node, cst.Call):
            name = _resolved(module, node.func, heads)
            if name in functions and name not in calls:
                calls[name] = SharedUse(name, node)
        elif isinstance(node, (cst.Name, cst.Attribute)):
            name = _resolved(module, node, heads)
            if name in constants and name not in reads:
                reads[name] = SharedUse(name, node)
    return list(reads.values()), list(calls.values())


def _uses(ctx: LintContext) -> tuple[list[SharedUse], list[SharedUse]]:
    """`shared_uses` of the file being linted, computed once for RVL302 and RVL303."""
    if "rvl3:uses" not in ctx.memo:
        ctx.memo["rvl3:uses"] = shared_uses(ctx.project, ctx.module)
    return ctx.memo["rvl3:uses"]  # type: ignore[no-any-return]


def _resolved(module: ModuleInfo, expr: cst.BaseExpression, heads: set[str]) -> str | None:
    head = expr
    while isinstance(head, cst.Attribute):
        head = head.value
    if not isinstance(head, cst.Name) or head.value not in heads:
        return None
    return module.resolve(expr)


# -- the rules ----------------------------------------------------------------------
class UndocumentedConstant(Rule):
    """A public constant of a handler module has no documentation.

    Handler modules are read by API reviewers, and their constants are the
    API's defaults and limits. A constant without a comment or docstring
    leaves the next reader to guess whether its value is a contract (clients
    see it) or an accident; reviewers of Placement asked for exactly this on
    `INVENTORY_DEFAULTS`. A comment covers only the assignment directly below
    it: a block of constants needs one comment each.
    """

    code = "RVL301"
    message = "constant {name} of a handler module is not documented: add a comment above it or a docstring after it"
    location = "the assignment"
    bad = '''
        # Fields of an inventory in responses.
        OUTPUT_INVENTORY_FIELDS = ['total', 'reserved']
        INVENTORY_DEFAULTS = {'reserved': 0}
    '''
    good = '''
        # Fields of an inventory in responses.
        OUTPUT_INVENTORY_FIELDS = ['total', 'reserved']
        # Values of the fields a client leaves out when it writes an inventory.
        INVENTORY_DEFAULTS = {'reserved': 0}
    '''

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        if not is_handler_module(ctx.project, ctx.module):
            return
        undocumented = undocumented_constants(ctx.module)
        positions = _binding_positions(ctx.module.source) if undocumented else {}
        for name, node in undocumented.items():
            line, col = positions.get(name) or ctx.module.position(node)
            yield ctx.finding(self.code, line, col, self.message.format(name=name))


def _binding_positions(source: str) -> dict[str, tuple[int, int]]:
    """(line, column) of the first module-level assignment of each name, blocks included.

    Python's own parser walks the statements in the order `_statements` does
    and is far cheaper than LibCST's position metadata for the whole module.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
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


class UndocumentedConstantUse(Rule):
    """Another module reads an undocumented constant of a handler module.

    Once a constant is shared, its value is an interface between modules: a
    change for one handler silently changes the other. The reader of the
    using module should find, where the constant is defined, what it is for.
    """

    code = "RVL302"
    message = "{name} is an undocumented constant of handler module {module}: document it at its definition"
    location = "the attribute or name use, once per constant per module"
    bad = '''
        from placement.handlers import inventory

        inv_data = copy.copy(inventory.INVENTORY_DEFAULTS)  # no comment at its definition
    '''
    good = '''
        # in placement/handlers/inventory.py
        # Values of the fields a client leaves out when it writes an inventory.
        INVENTORY_DEFAULTS = {'reserved': 0}
    '''

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        reads, _ = _uses(ctx)
        for use in reads:
            yield _use_finding(ctx, self.code, self.message, use)


class UndocumentedSharedFunction(Rule):
    """Another module calls a public function of a handler module that has no docstring.

    A function used across handler modules is an internal API: its callers
    rely on what it accepts, returns and raises, and the only place to say
    so is its docstring. Handlers are not counted: they are reached through
    their routes, and a test that calls one shares nothing.
    """

    code = "RVL303"
    message = "{name}() is a public function of handler module {module} without a docstring: document it"
    location = "the call, once per function per module"
    bad = '''
        # in placement/handlers/allocation.py
        def inspect_consumers(context, data, want_version):
            ...
    '''
    good = '''
        def inspect_consumers(context, data, want_version):
            """Look at consumer data in allocations and create consumers as needed."""
            ...
    '''

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        _, calls = _uses(ctx)
        for use in calls:
            yield _use_finding(ctx, self.code, self.message, use)


def _use_finding(ctx: LintContext, code: str, message: str, use: SharedUse) -> Finding:
    module, _, name = use.qualname.rpartition(".")
    line, col = ctx.module.position(use.node)
    return ctx.finding(code, line, col, message.format(name=name, module=module))


def wants(project: "Project", path: Path, source: str) -> bool:
    """A non-handler file may use a shared name when it names, as words, a handler module and the name."""
    offered = project.analysis("rvl3:offered", _offered)
    return any(short.search(source) and names.search(source) for short, names in offered)


def _offered(project: "Project") -> tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]:
    """(word pattern of a handler module's last name, word pattern of its undocumented names)."""
    result = []
    for name in handler_modules(project):
        names = shared_names(project, name)
        if names:
            words = "|".join(re.escape(n) for n in sorted((*names.constants, *names.functions)))
            result.append((re.compile(rf"\b{re.escape(name.rsplit('.', 1)[-1])}\b"), re.compile(rf"\b(?:{words})\b")))
    return tuple(result)


RULES: tuple[type[Rule], ...] = (UndocumentedConstant, UndocumentedConstantUse, UndocumentedSharedFunction)
