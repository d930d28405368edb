"""The text prefilter: can a rule report anything in this file? Answered without LibCST.

Most files of a tree hold nothing a rule reports: no handler, no helper a
handler reaches with its request, no schema, no gate. Editors lint every
file on every save, so "not my file" must cost almost nothing. Each rule
family reports only at things that leave a trace in the text (a decorator,
a decode, a comparison, a schema keyword, a handler module's name); a file
with none of those traces is not analysed at all. A file with some of them
is decided exactly by the project model (`interesting`), which the cache
keeps between runs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from reviewlint.project import Codec

if TYPE_CHECKING:
    from reviewlint.project import Project

# What a finding outside a handler module needs in the file's text:
# RVL201 a JSON decode (`json.loads`, `req.json_body`, `extract_json`), RVL203
# a schema object (`properties`, `patternProperties`), RVL4xx a gate (a
# `version_handler`, a `.matches(` or a comparison), the routes or versions
# module (`ROUTE_DECLARATIONS`, `VERSIONS`).
_TRACES = re.compile(
    rb"load|json|[Pp]roperties|version_handler|matches|[<>]|==|ROUTE_DECLARATIONS|VERSIONS")
_WORD = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
# Import statements, parenthesised or continued ones whole.
_IMPORT = re.compile(rb"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+import[ \t]*(?:\([^)]*\)|[^\n]*(?:\\\n[^\n]*)*)"
                     rb"|import[ \t]+[^\n]*(?:\\\n[^\n]*)*)", re.M)
_ROUTES = re.compile(rb"^[ \t]*ROUTE_DECLARATIONS\b.*?(?:^[})]|\Z)", re.M | re.S)
_TARGET = re.compile(rb"\b([A-Za-z_][A-Za-z0-9_]*)\s*\.")
_ALIAS = re.compile(rb"\b([A-Za-z_][A-Za-z0-9_]*)[ \t]+as[ \t]+([A-Za-z_][A-Za-z0-9_]*)")


# A module-level function (a routed handler need not be decorated): a `def`
# at the start of a line, or an indented one under a top-level `if`/`try`.
_MODULE_DEF = re.compile(rb"^(?:async[ \t]+)?def[ \t]", re.M)
_BLOCK_AT_TOP = re.compile(rb"^(?:if|try)\b", re.M)
_FROM = re.compile(rb"from[ \t]+(\.*)([\w.]*)[ \t]+import\b(.*)", re.S)
_NAME = re.compile(rb"[A-Za-z_][\w.]*")


def may_report_in(project: "Project", path: Path, data: bytes) -> bool:
    """False only when no rule can report in this file, whatever the rest of the project holds.

    A handler module (by its decorators) may; any other file may when its
    text holds one of the traces above, imports from the project a module
    that may define handlers or a package above one (RVL302/RVL303 uses), or
    defines module-level functions and is named by the routes (routed
    handlers). Only the last two look beyond the file, and only when it
    imports from the project or defines functions.
    """
    if project.may_define_handlers(data) or _TRACES.search(data):
        return True
    imports = _IMPORT.findall(data)
    if any(_imports_from_project(project, statement) for statement in imports):
        handler_names, _ = project.memo("prefilter:names", lambda: _module_names(project), _NAMES)
        imported = {word.decode() for line in imports for word in _WORD.findall(line)}
        if not imported.isdisjoint(handler_names):
            return True
    if _MODULE_DEF.search(data) or _BLOCK_AT_TOP.search(data):
        _, routed = project.memo("prefilter:names", lambda: _module_names(project), _NAMES)
        return path.stem in routed or (path.name == "__init__.py" and path.parent.name in routed)
    return False


def _imports_from_project(project: "Project", statement: bytes) -> bool:
    """True when an import statement names a module or package of the project (relative ones always do)."""
    found = _FROM.match(statement.strip())
    if found is not None:
        if found.group(1):
            return True
        base = found.group(2).decode()
        names = [base] + [f"{base}.{name.decode()}" for name in _NAME.findall(found.group(3))]
    else:
        names = [name.decode() for name in _NAME.findall(statement.strip()[len(b"import"):])]
    return any(project.index.canonical(name) is not None for name in names if name and name != "as")


def _module_names(project: "Project") -> tuple[frozenset[str], frozenset[str]]:
    """(every part of the names of modules that may define handlers, modules the routes name)."""
    handlers: set[str] = set()
    routed: set[str] = set()
    for path in project.python_files:
        data = project.raw(path)
        if project.may_define_handlers(data):
            # `from svc import handlers` then `handlers.widget.X` reaches it too.
            handlers.update(project.module_name(path).split("."))
        for table in _ROUTES.findall(data) if b"ROUTE_DECLARATIONS" in data else ():
            heads = {head.decode() for head in _TARGET.findall(table)}
            aliases = {alias.decode(): name.decode() for name, alias in _ALIAS.findall(data)}
            routed.update(heads)
            routed.update(aliases[head] for head in heads if head in aliases)
    return frozenset(handlers), frozenset(routed)


_NAMES: Codec[tuple[frozenset[str], frozenset[str]]] = Codec(
    lambda names: [sorted(names[0]), sorted(names[1])],
    lambda data: (frozenset(map(str, data[0])), frozenset(map(str, data[1]))))


def interesting(project: "Project") -> frozenset[Path]:
    """The files where the project model says some rule may report: handler modules and each family's places."""
    def build() -> frozenset[Path]:
        from reviewlint.engine import family_hooks

        found: set[Path] = set(project.handler_paths())
        if not found:
            return frozenset()  # no handler, nothing anywhere (and no rule family imported)
        for places in family_hooks("places"):
            found.update(places(project))
        return frozenset(found)

    return project.memo("prefilter:interesting", build,
                        Codec(lambda paths: sorted(str(p) for p in paths), lambda data: frozenset(map(Path, data))))


def uses_shared_names(project: "Project", source: str) -> bool:
    """A non-handler file may use an undocumented name of a handler module (RVL302/RVL303).

    It does when it names, as words, a handler module and one of that
    module's undocumented names; only then is it parsed.
    """
    patterns = project.memo("prefilter:offered", lambda: _offered(project), _OFFERED)
    if not patterns:
        return False
    compiled = project.memo("prefilter:offered-patterns", lambda: [
        (re.compile(rf"\b{re.escape(short)}\b"), re.compile(rf"\b(?:{'|'.join(map(re.escape, names))})\b"))
        for short, names in patterns])
    return any(short.search(source) and names.search(source) for short, names in compiled)


def _offered(project: "Project") -> list[tuple[str, list[str]]]:
    """(last name of a handler module, its undocumented names), for the modules that have some."""
    from reviewlint.facts import handler_modules, shared_names

    result = []
    for name in sorted(handler_modules(project)):
        names = shared_names(project, name)
        if names:
            result.append((name.rsplit(".", 1)[-1], sorted((*names.constants, *names.functions))))
    return result


_OFFERED: Codec[list[tuple[str, list[str]]]] = Codec(
    lambda offered: [[short, names] for short, names in offered],
    lambda data: [(str(short), [str(n) for n in names]) for short, names in data])
