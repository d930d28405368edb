"""Which handlers may reach a file: so one file's findings need only their summaries.

A handler's summary (summary.py) follows names from module to module the
way `ModuleInfo.resolve` and `Project.function_ref` do: a dotted name in
the code, with its head replaced by what an import binds it to, names a
project module through the index (`ModuleIndex.canonical`, suffixes
included). So a module can lead the analysis only to modules named by a
prefix of such a name. Read from the text, with every dotted chain counted
wherever it stands (strings and comments too) and every import of any
scope, that is an over-approximation: a handler whose module cannot reach
a file by it never touches the file, and the file's findings need the
summaries of the others alone. The edges of a module are kept in the cache
with its text. Its imports are read from the text when each one stands at
the start of its line, else by Python's parser; a module neither can read
reaches every module.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import TYPE_CHECKING

from reviewlint.core.guard import SYNTAX_CHECK_TOKENS, parse_quietly
from reviewlint.core.pytext import import_statements
from reviewlint.model.project import Codec

if TYPE_CHECKING:
    from reviewlint.model.facts import FunctionRef
    from reviewlint.model.project import Project


def _between(n: int) -> str:
    """What may stand between the parts of a dotted name as `dotted()` reads it: blanks, line
    continuations, parentheses, comments. Each run is matched once (a lookahead and a back
    reference make it atomic), so the scan stays linear."""
    return rf"(?:(?=(?P<w{n}>[\s()\\]+))(?P=w{n})|(?=(?P<c{n}>#[^\n]*))(?P=c{n}))*"


# A name: more than Python's identifiers (any character but blanks and ASCII punctuation,
# so `a·b` is one), not starting inside another.
_NAME_CHAR = r"[^\s!-/:-@\[-^`{-~]"
_NAME = rf"(?<!{_NAME_CHAR})(?!\d){_NAME_CHAR}+"
_CHAIN = re.compile(rf"{_NAME}(?:{_between(1)}\.{_between(2)}{_NAME})+")
_BLANKS = re.compile(r"(?:[\s()\\]|#[^\n]*)+")
# An import that is not at the start of its line (after `;` or a one-line block's `:`).
_INLINE_IMPORT = re.compile(rb"[;:][ \t]*(?:import|from)\b")

# How much resolving one module's names may cost (parts joined, summed): real modules
# use at most about ten thousand (nova 18.0.2's virt/libvirt/driver.py).
RESOLUTION_BUDGET = 2_000_000

_EDGES: Codec[frozenset[str] | None] = Codec(
    lambda edges: sorted(edges) if edges is not None else None,
    lambda data: frozenset(map(str, data)) if data is not None else None)


def module_edges(project: "Project", path: Path) -> frozenset[str] | None:
    """The project modules (index names) a name in this module may resolve to; None: any of them."""
    return project.memo(f"reach:{path}", lambda: _edges(project, path), _EDGES)


def _edges(project: "Project", path: Path) -> frozenset[str] | None:
    data = project.raw(path)
    name = project.module_name(path)
    limits = project.config.limits
    if len(data) > SYNTAX_CHECK_TOKENS * limits.max_tokens:
        return None  # more than Python's parser is given here (see guard.py): it reaches every module
    bindings = _bindings(name, path.name == "__init__.py", data)
    if bindings is None:
        return None
    candidates = set(bindings.pop("", ()))  # every name an import binds is one of these or a prefix
    stars = bindings.pop("*", set())
    text = data.decode("utf-8", "replace")
    for chain in {found.group(0) for found in _CHAIN.finditer(text)}:
        chain = _BLANKS.sub("", chain)
        head, _, rest = chain.partition(".")
        candidates.add(chain)
        candidates.update(f"{target}.{rest}" for target in bindings.get(head, ()))
        candidates.update(f"{star}.{chain}" for star in stars)
    index = project.index
    last_names = project.memo("reach:last-names", lambda: {m.rsplit(".", 1)[-1] for m in index.by_name})
    # A name the analysis resolves has at most max-nesting + 1 parts, and an import's name as
    # many again: one nested deeper is refused by the guard before LibCST parses its module.
    longest = 2 * (limits.max_nesting + 1)
    budget = RESOLUTION_BUDGET
    edges = set()
    for candidate in candidates:
        prefix = ""
        for count, part in enumerate(candidate.split(".", longest)[:longest], 1):
            prefix = f"{prefix}.{part}" if prefix else part
            if part in last_names:
                budget -= count * count  # what `canonical` joins for a name of `count` parts
                if budget < 0:
                    return None  # a text made to be slow to resolve: it reaches every module
                found = index.canonical(prefix)
                if found is not None:
                    edges.add(found)
    return frozenset(edges)


def _bindings(name: str, is_package: bool, data: bytes) -> dict[str, set[str]] | None:
    """What each imported name may be bound to ("" holds the modules imported, "*" star-imported ones).

    None when the imports cannot all be read from the text.
    """
    inline = _INLINE_IMPORT.search(data) or b"\\\n" in data or b"\\\r" in data  # `from \\` + newline
    nodes = None if inline else _statements(import_statements(data))
    if nodes is None:  # imports the text cannot tell apart (or words in a string): Python's parser can
        try:
            tree = parse_quietly(data)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        nodes = [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
    package = (name if is_package else name.rpartition(".")[0]).split(".")
    bindings: dict[str, set[str]] = {"": set(), "*": set()}
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                bindings[""].add(alias.name)
                local = alias.asname or alias.name.split(".")[0]
                bindings.setdefault(local, set()).add(alias.name if alias.asname else local)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # as ModuleInfo._absolute reads it
                kept = package[:len(package) - (node.level - 1)] if node.level > 1 else package
                prefix = ".".join(p for p in kept if p)
                base = f"{prefix}.{base}" if base and prefix else (base or prefix)
            bindings[""].add(base)
            for alias in node.names:
                if alias.name == "*":
                    bindings["*"].add(base)
                else:
                    full = f"{base}.{alias.name}" if base else alias.name
                    bindings[""].add(full)
                    bindings.setdefault(alias.asname or alias.name, set()).add(full)
    return bindings


def _statements(statements: list[bytes]) -> list[ast.stmt] | None:
    """The import statements found in the text, parsed together; None when one of them is no Python."""
    text = "\n".join(statement.decode("utf-8", "replace").strip() for statement in statements)
    try:
        return parse_quietly(text).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def handlers_reaching(project: "Project", path: Path) -> tuple["FunctionRef", ...] | None:
    """The handlers whose analysis may read `path`; None when that cannot be told (then: all of them)."""
    from reviewlint.service.handlers import handler_module_candidates, handler_refs_in

    target = project.index.by_path.get(str(path))
    if target is None:
        return None
    refs: list["FunctionRef"] = []
    for module_path in handler_module_candidates(project):  # only those reaching it are parsed
        closure = _closure(project, module_path)
        if closure is None or target in closure:
            refs.extend(handler_refs_in(project, module_path))
    return tuple(refs)


def _closure(project: "Project", start: Path) -> frozenset[str] | None:
    """The modules the analysis of a module's functions may lead to (itself included); None: any."""
    def compute() -> frozenset[str] | None:
        index = project.index
        first = index.by_path.get(str(start))
        if first is None:
            return None
        seen = {first}
        todo = [first]
        while todo:
            module_path = index.path_of(todo.pop())
            edges = module_edges(project, module_path) if module_path is not None else None
            if edges is None:
                return None
            for other in edges - seen:
                seen.add(other)
                todo.append(other)
        return frozenset(seen)

    return project.memo(f"reach:closure:{start}", compute, _EDGES)  # every file asks of each handler module
