"""What the rules know about one parsed module: imports, functions, handlers.

This is the only place that turns a LibCST tree into project facts; it
imports LibCST, so the engine imports it only after the prefilter.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import libcst as cst

from reviewlint.core.config import Config
from reviewlint.core.guard import Limits, UnreadableSource, check_for_libcst
from reviewlint.model.positions import Locate, Position, positions


@dataclass(frozen=True)
class Decorator:
    """One decorator of a function, with its callee resolved through imports."""

    name: str  # dotted name as resolved, e.g. "placement.util.require_content"
    node: cst.Decorator
    owner: "ModuleInfo" = field(compare=False, repr=False)

    @property
    def line(self) -> int:
        """The decorator's line (positions are computed only when asked for)."""
        return self.owner.line_of(self.node)

    @property
    def short(self) -> str:
        """The last component of the name (`require_content`)."""
        return self.name.rsplit(".", 1)[-1]

    @property
    def call(self) -> cst.Call | None:
        """The decorator's call node when it is called with arguments."""
        return self.node.decorator if isinstance(self.node.decorator, cst.Call) else None


@dataclass(frozen=True)
class Function:
    """A module-level function definition (one per `def`, so redefinitions are separate)."""

    module: str
    name: str
    node: cst.FunctionDef
    decorators: tuple[Decorator, ...]
    params: tuple[str, ...]
    index: int  # 0 for the first definition of this name, 1 for the next...
    owner: "ModuleInfo" = field(compare=False, repr=False)

    @property
    def line(self) -> int:
        """The line of the `def` keyword."""
        return self.owner.line_of(self.node.name)

    @property
    def qualname(self) -> str:
        """`module.name`, the key other modules use to call it."""
        return f"{self.module}.{self.name}"

    @property
    def docstring(self) -> str | None:
        """The function's docstring, if it has one."""
        return self.node.get_docstring()


@dataclass(frozen=True)
class Site:
    """A node of a project file as cached data names it: the file and the node's walk ordinal."""

    path: Path
    ordinal: int


@dataclass(frozen=True)
class Place:
    """A node in a parsed module; its position is computed only when a finding needs it."""

    module: "ModuleInfo" = field(compare=False)
    node: cst.CSTNode
    order: int = field(default=0, compare=False)  # visit order inside its function
    # For a helper call: the rank of what it stands for inside the helper, so
    # a body read and a policy check made by one helper call keep their order.
    rank: tuple[int, ...] = field(default=(), compare=False)

    @property
    def key(self) -> tuple[int, ...]:
        """Where this place comes in its function's order (helpers' insides included)."""
        return (self.order, *self.rank)

    @property
    def site(self) -> Site:
        """The place as data."""
        return Site(self.module.path, self.module.ordinal(self.node))

    @property
    def position(self) -> tuple[int, int]:
        """(1-based line, 0-based column) of the node."""
        return self.module.position(self.node)

    @property
    def end(self) -> tuple[int, int]:
        """(line, 0-based exclusive column) where the node ends."""
        return self.module.end_of(self.node)


def dotted(expr: cst.BaseExpression) -> str | None:
    """`a.b.c` for a Name/Attribute chain, else None."""
    parts: list[str] = []
    while isinstance(expr, cst.Attribute):
        parts.append(expr.attr.value)
        expr = expr.value
    if isinstance(expr, cst.Name):
        parts.append(expr.value)
        return ".".join(reversed(parts))
    return None


def string_value(expr: cst.BaseExpression) -> str | None:
    """The value of a plain string literal (or implicit concatenation), else None."""
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        with warnings.catch_warnings():  # `"\_"`: Python 3.12 would print a SyntaxWarning to flake8's output
            warnings.simplefilter("ignore")
            value = expr.evaluated_value
        return value if isinstance(value, str) else None
    return None


class ModuleInfo:
    """One parsed module of the project and the facts rules ask of it."""

    def __init__(self, name: str, path: Path, source: str, tree: cst.Module, config: Config) -> None:
        self.name = name
        self.path = path
        self.source = source
        self.tree = tree
        self.config = config
        self.imports: dict[str, str] = {}
        # Names bound by relative imports that climb above the known package
        # (a buffer on stdin with no file name has none): they resolve to nothing.
        self.unresolved_imports: set[str] = set()
        self.assignments: dict[str, list[cst.Assign | cst.AnnAssign]] = {}
        self.functions: list[Function] = []
        # Methods of module-level classes, named `Class.method`: what a call
        # `module.Class.method(...)` runs (gates in them count for handlers).
        self.methods: list[Function] = []
        self.classes: set[str] = set()
        self._by_name: dict[str, list[Function]] = {}
        self._positions: Locate | None = None
        self._order: tuple[list[cst.CSTNode], dict[int, int]] | None = None
        self._collect()

    # -- construction -------------------------------------------------------
    def _package(self) -> str:
        if self.path.name == "__init__.py":
            return self.name
        return self.name.rpartition(".")[0]

    def _absolute(self, node: cst.ImportFrom) -> str:
        base = dotted(node.module) if node.module is not None else ""
        level = len(node.relative)
        if not level:
            return base or ""
        package = self._package().split(".")
        if level > 1:
            package = package[: len(package) - (level - 1)]
        prefix = ".".join(p for p in package if p)
        return f"{prefix}.{base}" if base and prefix else (base or prefix)

    def _collect(self) -> None:
        for statement in self.tree.body:
            self._collect_statement(statement)

    def _collect_statement(self, statement: cst.CSTNode) -> None:
        if isinstance(statement, cst.FunctionDef):
            self._add_function(statement)
        elif isinstance(statement, cst.ClassDef):
            self.classes.add(statement.name.value)
            if isinstance(statement.body, cst.IndentedBlock):
                for inner in statement.body.body:
                    if isinstance(inner, cst.FunctionDef):
                        self._add_method(statement.name.value, inner)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        full = dotted(alias.name) or ""
                        if alias.asname is not None:
                            local = dotted(alias.asname.name)
                            if local:
                                self.imports[local] = full
                        else:
                            top = full.split(".")[0]
                            self.imports[top] = top
                elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                    base = self._absolute(small)
                    beyond = len(small.relative) > len([p for p in self._package().split(".") if p])
                    for alias in small.names:
                        name = dotted(alias.name) or ""
                        local = name
                        if alias.asname is not None:
                            local = dotted(alias.asname.name) or name
                        self.imports[local] = f"{base}.{name}" if base else name
                        if beyond:
                            self.unresolved_imports.add(local.split(".")[0])
                elif isinstance(small, cst.Assign):
                    for target in small.targets:
                        if isinstance(target.target, cst.Name):
                            self.assignments.setdefault(target.target.value, []).append(small)
                elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    self.assignments.setdefault(small.target.value, []).append(small)
        elif isinstance(statement, (cst.If, cst.Try)):
            # Conditional imports and definitions (try: import x except: ...).
            for block in _blocks(statement):
                for inner in block:
                    self._collect_statement(inner)

    def _decorators(self, node: cst.FunctionDef) -> tuple[Decorator, ...]:
        return tuple(
            Decorator(self.resolve(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator) or "",
                      d, self)
            for d in node.decorators
        )

    def _add_function(self, node: cst.FunctionDef) -> None:
        params = tuple(p.name.value for p in (*node.params.posonly_params, *node.params.params))
        same = self._by_name.setdefault(node.name.value, [])
        function = Function(self.name, node.name.value, node, self._decorators(node), params, len(same), self)
        same.append(function)
        self.functions.append(function)

    def _add_method(self, owner: str, node: cst.FunctionDef) -> None:
        decorators = self._decorators(node)
        params = tuple(p.name.value for p in (*node.params.posonly_params, *node.params.params))
        if not any(d.short == "staticmethod" for d in decorators):
            params = params[1:]  # `cls` of a classmethod, `self` of a method: not what callers pass
        name = f"{owner}.{node.name.value}"
        same = self._by_name.setdefault(name, [])
        method = Function(self.name, name, node, decorators, params, len(same), self)
        same.append(method)
        self.methods.append(method)

    # -- places ---------------------------------------------------------------
    def _walk_order(self) -> tuple[list[cst.CSTNode], dict[int, int]]:
        if self._order is None:
            nodes = list(walk(self.tree))
            self._order = (nodes, {id(node): index for index, node in enumerate(nodes)})
        return self._order

    def ordinal(self, node: cst.CSTNode) -> int:
        """Where `node` comes in a pre-order walk of the module: how cached data names a node."""
        return self._walk_order()[1][id(node)]

    def node_at(self, ordinal: int) -> cst.CSTNode | None:
        """The node at `ordinal` (see `ordinal`), if there is one."""
        nodes = self._walk_order()[0]
        return nodes[ordinal] if 0 <= ordinal < len(nodes) else None

    # -- positions ------------------------------------------------------------
    def _locate(self, node: cst.CSTNode) -> tuple[Position, Position]:
        if self._positions is None:
            self._positions = positions(self.tree)
        return self._positions(node)

    def position(self, node: cst.CSTNode) -> tuple[int, int]:
        """(line, 0-based column) where `node` starts (LibCST's PositionProvider's)."""
        return self._locate(node)[0]

    def end_of(self, node: cst.CSTNode) -> tuple[int, int]:
        """(line, 0-based exclusive column) where `node` ends."""
        return self._locate(node)[1]

    def line_of(self, node: cst.CSTNode) -> int:
        """The 1-based line where `node` starts."""
        return self.position(node)[0]

    # -- queries --------------------------------------------------------------
    def resolve(self, expr: cst.BaseExpression) -> str | None:
        """The dotted name `expr` refers to, through this module's imports.

        `util.extract_json` -> `placement.util.extract_json`; a name defined
        here -> `this.module.name`; an unknown bare name -> itself.
        """
        name = dotted(expr)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        if head in self.imports:
            full = self.imports[head]
        elif head in self._by_name or head in self.assignments or head in self.classes:
            full = f"{self.name}.{head}"
        else:
            return name
        return f"{full}.{rest}" if rest else full

    def functions_named(self, name: str) -> list[Function]:
        """Every module-level `def name`, in source order."""
        return self._by_name.get(name, [])

    def is_handler(self, function: Function) -> bool:
        """Decorated directly by a wsgify decorator."""
        wsgify = self.config.wsgify_decorators
        return any(d.short in wsgify for d in function.decorators)

    def handlers(self) -> Iterator[Function]:
        """The handlers this module defines, in source order."""
        return (f for f in self.functions if self.is_handler(f))

    def constant_value(self, name: str) -> cst.BaseExpression | None:
        """The value of the last module-level `NAME = value`."""
        nodes = self.assignments.get(name)
        if not nodes:
            return None
        return nodes[-1].value


def _blocks(statement: cst.If | cst.Try) -> Iterator[tuple[cst.BaseStatement, ...]]:
    if isinstance(statement, cst.If):
        yield tuple(statement.body.body)  # type: ignore[arg-type]
        orelse = statement.orelse
        if isinstance(orelse, cst.If):
            yield from _blocks(orelse)
        elif orelse is not None:
            yield tuple(orelse.body.body)  # type: ignore[arg-type]
    else:
        yield tuple(statement.body.body)  # type: ignore[arg-type]
        for handler in statement.handlers:
            yield tuple(handler.body.body)  # type: ignore[arg-type]


def parse_module(name: str, path: Path, source: str, config: Config, vetted: bool = False) -> ModuleInfo:
    """Parse `source` into a ModuleInfo; raises cst.ParserSyntaxError on bad syntax.

    This is the one place LibCST parses a module, so the guard runs here: a
    text too large or too deeply nested for it raises UnreadableSource. A
    text the guard passed before (`vetted`, with the same limits) is not vetted again.
    """
    if not vetted:
        check_for_libcst(source, config.limits)
    return ModuleInfo(name, path, source, cst.parse_module(source), config)


def vetted(source: str, limits: Limits) -> bool:
    """Whether the guard lets LibCST have `source` (the verdict `parse_module` may be given)."""
    try:
        check_for_libcst(source, limits)
    except UnreadableSource:
        return False
    return True


# Fields that hold only punctuation, whitespace and comments: never analysed.
_SKIPPED_FIELDS = frozenset({
    "colon", "comma", "dot", "equal", "first_colon", "second_colon", "semicolon", "lpar", "rpar",
    "lbrace", "rbrace", "lbracket", "rbracket", "leading_lines", "lines_after_decorators", "header",
    "footer", "empty_lines", "newline", "trailing_whitespace", "leading_whitespace", "indent",
    "default_indent", "default_newline", "encoding", "has_trailing_newline", "whitespace",
    "trailing_comma", "star", "asynchronous", "relative", "operator", "posonly_ind",
})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def child_nodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The syntactic children of `node` in source order, without whitespace and punctuation.

    LibCST's own `children` and visitors rebuild nodes as they go; rules walk
    thousands of nodes per handler, so they use this plain field walk instead.
    """
    cls = type(node)
    names = _CHILD_FIELDS.get(cls)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(cls)
                      if f.name not in _SKIPPED_FIELDS and not f.name.startswith("whitespace"))
        _CHILD_FIELDS[cls] = names
    for name in names:
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            yield value
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, cst.CSTNode):
                    yield item


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """`node` and every node below it, in source order (pre-order)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(child_nodes(current))))
