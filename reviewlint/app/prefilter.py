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
from typing import TYPE_CHECKING, Iterable

from reviewlint.model.project import Codec
from reviewlint.core.pytext import (ALIAS, DOTTED_NAME, FROM_IMPORT, ROUTES_TABLE, TARGET_HEAD, WORD,
                                    defines_module_functions, has_trace, import_statements, lines_as_python_reads_them)

if TYPE_CHECKING:
    from reviewlint.model.project import Project


def is_candidate(project: Project, path: Path, source: str, data: bytes | None = None) -> bool:
    """The prefilter: can this file (`path` resolved) hold anything a rule reports?

    Handler modules always can. Any other file only when its text holds a
    trace of something reported (`may_report_in`) and the project model
    says some rule reports there, or it may use a handler module's
    undocumented names, or the analysis needs it and cannot analyse it (RVL900).
    """
    if data is None:
        data = source.encode("utf-8", "surrogatepass")
    if project.may_define_handlers(data) and project.may_hold_handlers(path):
        return True
    if not may_report_in(project, path, data):
        return False
    if reports_in(project, path) or uses_shared_names(project, source):
        return True
    from reviewlint.service.unknown import is_unknown_input

    return is_unknown_input(project, path)  # its RVL900: what the analysis needs from it is unknown


def may_report_in(project: "Project", path: Path, data: bytes) -> bool:
    """False only when no rule can report in this file, whatever the rest of the project holds.

    A handler module (by its decorators) may; any other file may when its
    text holds one of the traces above, imports from the project a module
    that may define handlers or a package above one (RVL302/RVL303 uses), or
    defines module-level functions and is named by the routes (routed
    handlers). Only the last two look beyond the file, and only when it
    imports from the project or defines functions.
    """
    if project.may_define_handlers(data) or has_trace(data) or _is_configured_routes(project, path):
        return True
    imports = import_statements(data)
    if any(_imports_from_project(project, statement) for statement in imports):
        handler_names, _ = project.memo("prefilter:names", lambda: _module_names(project), _NAMES)
        imported = {word.decode() for line in imports for word in WORD.findall(line)}
        if not imported.isdisjoint(handler_names):
            return True
    if defines_module_functions(data):
        _, routed = project.memo("prefilter:names", lambda: _module_names(project), _NAMES)
        return path.stem in routed or (path.name == "__init__.py" and path.parent.name in routed)
    return False


def _is_configured_routes(project: "Project", path: Path) -> bool:
    """The module config `routes` names (whatever its text holds)."""
    if not project.config.routes:
        return False
    from reviewlint.core.config import resolve_path
    from reviewlint.service.routes import configured_routes_path

    configured = configured_routes_path(project)
    return configured is not None and resolve_path(configured) == resolve_path(path)


def _imports_from_project(project: "Project", statement: bytes) -> bool:
    """True when an import statement names a module or package of the project (relative ones always do)."""
    found = FROM_IMPORT.match(statement.strip())
    if found is not None:
        if found.group(1):
            return True
        base = found.group(2).decode()
        names = [base] + [f"{base}.{name.decode()}" for name in DOTTED_NAME.findall(found.group(3))]
    else:
        names = [name.decode() for name in DOTTED_NAME.findall(statement.strip()[len(b"import"):])]
    return any(project.may_name_module(name) and project.index.canonical(name) is not None
               for name in names if name and name != "as")


def _module_names(project: "Project") -> tuple[frozenset[str], frozenset[str]]:
    """(every part of the names of modules that may define handlers, modules the routes name)."""
    from reviewlint.service.routes import pair_files, pair_table_modules

    handlers: set[str] = set()
    routed: set[str] = set()
    pair_modules = set(pair_files(project))
    for path in project.python_files:
        data = project.raw(path)
        if path in pair_modules or _is_configured_routes(project, path):
            routed.update(pair_table_modules(data))  # a table of route pairs, under any name
        if project.may_define_handlers(data):
            # `from svc import handlers` then `handlers.widget.X` reaches it too.
            handlers.update(project.module_name(path).split("."))
        tables = ROUTES_TABLE.findall(lines_as_python_reads_them(data)) if b"ROUTE_DECLARATIONS" in data else ()
        for table in tables:
            heads = {head.decode() for head in TARGET_HEAD.findall(table)}
            aliases = {alias.decode(): name.decode() for name, alias in ALIAS.findall(data)}
            routed.update(heads)
            routed.update(aliases[head] for head in heads if head in aliases)
    return frozenset(handlers), frozenset(routed)


_NAMES: Codec[tuple[frozenset[str], frozenset[str]]] = Codec(
    lambda names: [sorted(names[0]), sorted(names[1])],
    lambda data: (frozenset(map(str, data[0])), frozenset(map(str, data[1]))))


def reports_in(project: "Project", path: Path) -> bool:
    """Whether the project model says some rule may report in a file: a handler module, or a family's place.

    The first file a run asks about (an editor's save) is asked alone: only
    the handlers that may reach it are summarised. A run that asks about
    more (a tree, a commit) asks the whole project once, and its cache then
    holds one answer, not one per file.
    """
    asked = project.analysis(_files_asked)
    asked.add(path)
    if len(asked) > 1 or project.holds(_INTERESTING):
        return path in interesting(project)
    return reports_in_alone(project, path)


def reports_in_alone(project: "Project", path: Path) -> bool:
    """`path in interesting(project)`, asking only the handlers that may reach the file."""
    def build() -> bool:
        from reviewlint.rules import family_hooks
        from reviewlint.service.handlers import first_handler_path, handler_refs_in

        if first_handler_path(project) is None:
            return False  # no handler, nothing anywhere (and no rule family imported)
        if handler_refs_in(project, path):
            return True
        from reviewlint.analysis.summary import Scope

        scope = Scope(project, path)
        return any(path in places(project, scope) for places in family_hooks("places"))

    return project.memo(f"prefilter:reports_in:{path}", build, Codec(bool, bool))


def _files_asked(project: "Project") -> set[Path]:
    return set()


_INTERESTING = "prefilter:interesting"


def interesting(project: "Project") -> frozenset[Path]:
    """The files where the project model says some rule may report: handler modules and each family's places."""
    def build() -> frozenset[Path]:
        from reviewlint.rules import family_hooks
        from reviewlint.service.handlers import handler_paths

        found: set[Path] = set(handler_paths(project))
        if not found:
            return frozenset()  # no handler, nothing anywhere (and no rule family imported)
        from reviewlint.analysis.summary import Scope

        scope = Scope(project)
        for places in family_hooks("places"):
            found.update(places(project, scope))
        return frozenset(found)

    return project.memo(_INTERESTING, build,
                        Codec(lambda paths: sorted(str(p) for p in paths), lambda data: frozenset(map(Path, data))))


def uses_shared_names(project: "Project", source: str) -> bool:
    """A non-handler file may use an undocumented name of a handler module (RVL302/RVL303).

    It does when it names, as words, a handler module and one of that
    module's undocumented names; only then is it parsed. Asked about one
    file, only the handler modules it names are asked for their undocumented
    names; asked about more, every handler module is, once.
    """
    if len(project.analysis(_files_asked)) > 1:
        return any(short.search(source) and names.search(source) for short, names in project.analysis(_all_offered))
    by_short, shorts = project.memo("prefilter:shorts", lambda: _shorts(project))
    if shorts is None:
        return False
    for short in sorted({found.group(0) for found in shorts.finditer(source)}):
        for name in by_short[short]:
            names = _offered(project, name)
            if names and _words(names).search(source):
                return True
    return False


def _all_offered(project: "Project") -> list[tuple[re.Pattern[str], re.Pattern[str]]]:
    """(last name, undocumented names) as patterns, for every handler module that has some."""
    by_short, _ = project.memo("prefilter:shorts", lambda: _shorts(project))
    offered = []
    for short, modules in sorted(by_short.items()):
        for name in modules:
            names = _offered(project, name)
            if names:
                offered.append((_words([short]), _words(names)))
    return offered


def _shorts(project: "Project") -> tuple[dict[str, list[str]], re.Pattern[str] | None]:
    """(last name -> the modules that may be handler modules with it, a pattern finding those names as words)."""
    from reviewlint.service.handlers import candidate_modules

    by_short: dict[str, list[str]] = {}
    for name in sorted(candidate_modules(project)):
        by_short.setdefault(name.rsplit(".", 1)[-1], []).append(name)
    return by_short, _words(by_short) if by_short else None


def _words(words: Iterable[str]) -> re.Pattern[str]:
    """A pattern finding any of `words` as a word."""
    alternatives = "|".join(sorted(map(re.escape, words), key=lambda word: (-len(word), word)))
    return re.compile(rf"\b(?:{alternatives})\b")


def _offered(project: "Project", name: str) -> list[str]:
    """The undocumented names of handler module `name` (none when it is no handler module)."""
    def build() -> list[str]:
        from reviewlint.service.handlers import shared_names

        names = shared_names(project, name)
        return sorted((*names.constants, *names.functions)) if names else []

    return project.memo(f"prefilter:offered:{name}", build, _OFFERED)


_OFFERED: Codec[list[str]] = Codec(list, lambda data: [str(n) for n in data])
