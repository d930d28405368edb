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

from reviewlint.project import Codec

if TYPE_CHECKING:
    from reviewlint.project import Project

# What a finding outside a handler module needs in the file's text:
# RVL201 a JSON decode (`json.loads`, `req.json_body`, `extract_json`), RVL203
# a schema object (`properties`, `patternProperties`), RVL4xx a gate (a
# `version_handler`, a `.matches(` or a comparison), the routes or versions
# module (`ROUTE_DECLARATIONS` or a quoted HTTP method, `VERSIONS`).
_TRACES = (b"load", b"json", b"roperties", b"version_handler", b"matches", b"<", b">", b"==",
           b"ROUTE_DECLARATIONS", b"VERSIONS")
# An HTTP method quoted as a dict key: the trace a table of (template, {METHOD: handler}) pairs
# leaves in the text (the pair itself, `(template, {`, is looked for next: routes.may_hold_pairs).
# The opening quote is left out: a pattern that starts with a word is searched much faster, and
# `'TARGET':` passing too only costs a closer look.
METHOD_KEY = re.compile(rb"""(?:GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)['"]\s*:""")
_WORD = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_ROUTES = re.compile(rb"^[ \t]*ROUTE_DECLARATIONS\b.*?(?:^[})]|\Z)", re.M | re.S)
_TARGET = re.compile(rb"\b([A-Za-z_][A-Za-z0-9_]*)\s*\.")
_ALIAS = re.compile(rb"\b([A-Za-z_][A-Za-z0-9_]*)[ \t]+as[ \t]+([A-Za-z_][A-Za-z0-9_]*)")
# `import` as a word, matched from the character before it.
_IMPORT_WORD = re.compile(rb"(?:^|[^\w.])import(?![\w])")
_FROM = re.compile(rb"from[ \t]+(\.*)([\w.]*)[ \t]+import\b(.*)", re.S)
_NAME = re.compile(rb"[A-Za-z_][\w.]*")
# The line starts Python's tokenizer accepts: CR and CRLF end lines, a form feed may open one.
_ODD_LINES = (b"\r", b"\f")


def _lines_as_python_reads_them(data: bytes) -> bytes:
    if any(odd in data for odd in _ODD_LINES):
        return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\f", b"")
    return data


def has_trace(data: bytes) -> bool:
    """True when the text holds something a finding outside a handler module needs.

    Plain substring tests, then a quoted HTTP method as a dict key (a table
    of route pairs under any name).
    """
    return any(trace in data for trace in _TRACES) or METHOD_KEY.search(data) is not None


def import_statements(data: bytes) -> list[bytes]:
    """The import statements of a module's text, parenthesised or continued ones whole.

    Found from each `import` word (a fast substring search), not by trying
    every line start, which costs seconds on a large tree.
    """
    data = _lines_as_python_reads_them(data)
    statements = []
    end = 0
    word = data.find(b"import")
    while word >= 0:
        after = word + len(b"import")
        is_word = word == 0 or _IMPORT_WORD.match(data, word - 1) is not None
        if word >= end and is_word:
            start = data.rfind(b"\n", 0, word) + 1
            head = data[start:word].lstrip(b" \t")
            if head.startswith(b"from") and _FROM.match(head + b"import"):
                if data.startswith(b"(", _skip_blanks(data, after)):
                    close = data.find(b")", after)
                    end = len(data) if close < 0 else close + 1
                else:
                    end = _line_end(data, after)
                statements.append(data[start:end])
            elif head == b"":
                end = _line_end(data, after)
                statements.append(data[start:end])
        word = data.find(b"import", after)
    return statements


def _skip_blanks(data: bytes, index: int) -> int:
    while index < len(data) and data[index] in b" \t":
        index += 1
    return index


def _line_end(data: bytes, index: int) -> int:
    """The end of the logical line at `index` (backslash continuations followed)."""
    while True:
        end = data.find(b"\n", index)
        if end < 0:
            return len(data)
        last = end - 1
        while last >= index and data[last] in b" \t\r":
            last -= 1
        if last < index or data[last] != ord("\\"):
            return end
        index = end + 1


def defines_module_functions(data: bytes) -> bool:
    """A module-level `def` (at a line start), or a top-level `if`/`try` whose block may hold one."""
    data = _lines_as_python_reads_them(data)
    return (data.startswith((b"def ", b"async ", b"if ", b"if(", b"try:", b"try "))
            or any(start in data for start in (b"\ndef ", b"\nasync ", b"\nif ", b"\nif(", b"\ntry:", b"\ntry ")))


def is_candidate(project: Project, path: Path, source: str, data: bytes | None = None) -> bool:
    """The prefilter: can this file hold anything a rule reports?

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
    from reviewlint.unknown import is_unknown_input

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
        imported = {word.decode() for line in imports for word in _WORD.findall(line)}
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
    from reviewlint.config import resolve_path
    from reviewlint.routes import configured_routes_path

    configured = configured_routes_path(project)
    return configured is not None and resolve_path(configured) == resolve_path(path)


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
    return any(project.may_name_module(name) and project.index.canonical(name) is not None
               for name in names if name and name != "as")


def _module_names(project: "Project") -> tuple[frozenset[str], frozenset[str]]:
    """(every part of the names of modules that may define handlers, modules the routes name)."""
    from reviewlint.routes import pair_files, pair_table_modules

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
        tables = _ROUTES.findall(_lines_as_python_reads_them(data)) if b"ROUTE_DECLARATIONS" in data else ()
        for table in tables:
            heads = {head.decode() for head in _TARGET.findall(table)}
            aliases = {alias.decode(): name.decode() for name, alias in _ALIAS.findall(data)}
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
        from reviewlint.engine import family_hooks
        from reviewlint.facts import first_handler_path, handler_refs_in

        if first_handler_path(project) is None:
            return False  # no handler, nothing anywhere (and no rule family imported)
        if handler_refs_in(project, path):
            return True
        return any(hook(project, path) for hook in family_hooks("reports_in"))

    return project.memo(f"prefilter:reports_in:{path}", build, Codec(bool, bool))


def _files_asked(project: "Project") -> set[Path]:
    return set()


_INTERESTING = "prefilter:interesting"


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
    from reviewlint.facts import candidate_modules

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
        from reviewlint.facts import shared_names

        names = shared_names(project, name)
        return sorted((*names.constants, *names.functions)) if names else []

    return project.memo(f"prefilter:offered:{name}", build, _OFFERED)


_OFFERED: Codec[list[str]] = Codec(list, lambda data: [str(n) for n in data])
