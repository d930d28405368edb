"""What each module defines, as plain data: its functions, handlers, imports and documentation.

These facts are what other modules need to know about a module without
parsing it again: which functions it defines (and which are handlers or
lack a docstring), what it imports, and which public constants are
undocumented. They are cached per file (see `Project.memo`).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reviewlint.config import resolve_path
from reviewlint.project import Codec

if TYPE_CHECKING:
    from reviewlint.config import Config
    from reviewlint.module import ModuleInfo
    from reviewlint.project import Project


@dataclass(frozen=True)
class FunctionFact:
    """One module-level `def`: its name, which definition of the name it is, and what it is."""

    name: str
    index: int
    params: tuple[str, ...]  # positional parameters, in order
    wsgify: bool  # decorated directly by a wsgify decorator
    documented: bool  # has a docstring


@dataclass(frozen=True)
class FileFacts:
    """What one module defines and imports."""

    path: Path
    module: str
    functions: tuple[FunctionFact, ...]
    imports: tuple[str, ...]  # full dotted names its imports bind (`import a.b` as a whole)
    undocumented_constants: tuple[str, ...]  # public constants with no documentation, in source order
    methods: tuple[FunctionFact, ...] = ()  # methods of module-level classes, named `Class.method`

    def named(self, name: str) -> tuple[FunctionFact, ...]:
        """Every definition of `name` (`Class.method` for a method)."""
        return tuple(f for f in (self.methods if "." in name else self.functions) if f.name == name)


@dataclass(frozen=True)
class FunctionRef:
    """A function by name, without parsing it: which definition of which function in which file."""

    path: Path
    module: str
    name: str
    index: int
    params: tuple[str, ...] = field(default=(), compare=False)

    @property
    def qualname(self) -> str:
        """`module.name`."""
        return f"{self.module}.{self.name}"

    @property
    def key(self) -> str:
        """How cache keys name the function."""
        return f"{self.path}:{self.name}:{self.index}"


def _encode_facts(facts: FileFacts | None) -> Any:
    if facts is None:
        return None
    return [str(facts.path), facts.module,
            [[f.name, f.index, list(f.params), f.wsgify, f.documented] for f in facts.functions],
            list(facts.imports), list(facts.undocumented_constants),
            [[f.name, f.index, list(f.params), f.wsgify, f.documented] for f in facts.methods]]


def _decode_facts(data: Any) -> FileFacts | None:
    if data is None:
        return None
    path, module, functions, imports, constants, methods = data

    def decode(rows: Any) -> tuple[FunctionFact, ...]:
        return tuple(FunctionFact(str(n), int(i), tuple(str(p) for p in params), bool(w), bool(d))
                     for n, i, params, w, d in rows)

    return FileFacts(Path(path), str(module), decode(functions), tuple(str(i) for i in imports),
                     tuple(str(c) for c in constants), decode(methods))


FACTS = Codec(_encode_facts, _decode_facts)


def file_facts(project: "Project", path: Path) -> FileFacts | None:
    """The facts of the module at `path` (None when it cannot be parsed)."""
    return project.memo(f"facts:{path}", lambda: _facts_of(project.module_at(path), project), FACTS)


def _facts_of(module: "ModuleInfo | None", project: "Project") -> FileFacts | None:
    if module is None:
        return None
    from reviewlint.documentation import plain_imports, undocumented_constants

    functions = tuple(FunctionFact(f.name, f.index, f.params, module.is_handler(f), bool(f.docstring))
                      for f in module.functions)
    imports = {full for local, full in module.imports.items() if local != full or "." in full}
    imports.update(plain_imports(module))
    methods = tuple(FunctionFact(f.name, f.index, f.params, False, bool(f.docstring)) for f in module.methods)
    return FileFacts(module.path, module.name, functions, tuple(sorted(imports)),
                     tuple(undocumented_constants(module, project)), methods)


def ref_of(facts: FileFacts, function: FunctionFact) -> FunctionRef:
    """The reference to one function of a module."""
    return FunctionRef(facts.path, facts.module, function.name, function.index, function.params)


def _encode_refs(refs: tuple[FunctionRef, ...]) -> Any:
    return [[str(r.path), r.module, r.name, r.index, list(r.params)] for r in refs]


def _decode_refs(data: Any) -> tuple[FunctionRef, ...]:
    return tuple(FunctionRef(Path(p), str(m), str(n), int(i), tuple(str(x) for x in params))
                 for p, m, n, i, params in data)


REFS = Codec(_encode_refs, _decode_refs)


PATHS: Codec[tuple[Path, ...]] = Codec(lambda paths: [str(p) for p in paths],
                                       lambda data: tuple(Path(p) for p in data))


def handler_candidates(project: "Project") -> tuple[Path, ...]:
    """Files whose text may define handlers (a module-level wsgify decorator), outside test packages."""
    return project.memo("handler_candidates", lambda: tuple(
        resolve_path(path) for path in project.python_files
        if project.may_hold_handlers(path) and project.may_define_handlers(project.raw(path))), PATHS)


def handler_refs(project: "Project") -> tuple[FunctionRef, ...]:
    """Every handler of the project, by file and then in source order.

    Handlers are the functions a wsgify decorator decorates in modules that
    may hold handlers (not test packages), and every definition of a
    function the routes name.
    """
    # What the handlers are made of comes first, so that an edit which
    # changes none of it (a comment, a handler's body) keeps the list.
    candidates = handler_module_candidates(project)
    for path in candidates:
        handler_refs_in(project, path)
    return project.memo("handlers", lambda: tuple(
        ref for path in candidates for ref in handler_refs_in(project, path)), REFS)


def handler_refs_in(project: "Project", path: Path) -> tuple[FunctionRef, ...]:
    """The handlers one file defines, as `handler_refs` lists them, reading only that file's facts.

    Its wsgify-decorated functions (when it may hold handlers) in source
    order, then those of its functions the routes name, in the routes' order.
    """
    def build() -> tuple[FunctionRef, ...]:
        facts = file_facts(project, path) if path in handler_candidates(project) else None
        refs = [ref_of(facts, f) for f in facts.functions if f.wsgify] if facts is not None else []
        known = set(refs)
        refs.extend(ref for ref in _routed_refs(project, path) if ref not in known)
        return tuple(refs)

    path = resolve_path(path)
    return project.memo(f"handlers:{path}", build, REFS)


def handler_module_candidates(project: "Project") -> tuple[Path, ...]:
    """The files that may define handlers, as `handler_refs` orders them, found without their facts.

    Those whose text has a module-level wsgify decorator, and those the
    routes name; `handler_refs_in` tells which of them define any.
    """
    def compute() -> tuple[Path, ...]:
        from reviewlint.routes import route_table

        found = dict.fromkeys(handler_candidates(project))
        table = route_table(project)
        for target in table.targets if table is not None else ():
            split = project.split_path(target)
            if split is not None and "." not in split[2]:
                found.setdefault(resolve_path(split[1]))
        order = {resolve_path(path): index for index, path in enumerate(project.python_files)}
        return tuple(sorted(found, key=lambda path: order.get(path, len(order))))

    return project.memo("handler_module_candidates", compute)  # once a run: every file asks


def first_handler_path(project: "Project") -> Path | None:
    """`project.handler_paths()[0]`, parsing only the candidates sorted before it."""
    return next((path for path in sorted(handler_module_candidates(project)) if handler_refs_in(project, path)), None)


def _routed_refs(project: "Project", path: Path) -> tuple[FunctionRef, ...]:
    """Every definition in `path` of every function the routes name (RULES.md: those are handlers too),
    in the routes' order."""
    from reviewlint.routes import route_table

    table = route_table(project)
    if table is None:
        return ()
    refs: list[FunctionRef] = []
    for target in table.targets:
        found = project.split_path(target)
        if found is None or "." in found[2] or resolve_path(found[1]) != path:
            continue
        facts = file_facts(project, found[1])
        if facts is not None:
            refs.extend(ref_of(facts, f) for f in facts.named(found[2]))
    return tuple(refs)


def routed_keys(project: "Project", path: Path) -> frozenset[tuple[str, int]]:
    """(qualname, definition index) of every routed function the file at `path` defines."""
    path = resolve_path(path)
    return project.memo(f"routed_keys:{path}",
                        lambda: frozenset((r.qualname, r.index) for r in _routed_refs(project, path)))


@dataclass(frozen=True)
class SharedNames:
    """What a handler module offers other modules without documentation."""

    module: str
    constants: frozenset[str]  # public constants without documentation
    functions: frozenset[str]  # public functions without a docstring (handlers aside)

    def __bool__(self) -> bool:
        return bool(self.constants or self.functions)


def candidate_modules(project: "Project") -> dict[str, Path]:
    """Dotted name -> file of every module that may be a handler module (see `handler_module_candidates`)."""
    return project.memo("candidate_modules", lambda: {
        project.module_name(path): path for path in handler_module_candidates(project)})


def handler_module_path(project: "Project", dotted_name: str) -> Path | None:
    """The file of handler module `dotted_name` (None if it is not one), parsing no other handler module."""
    path = candidate_modules(project).get(dotted_name)
    return path if path is not None and handler_refs_in(project, path) else None


def is_handler_module(project: "Project", module: "ModuleInfo") -> bool:
    """True when `module` is one of the project's handler modules."""
    return handler_module_path(project, module.name) == module.path


def shared_names(project: "Project", dotted_name: str) -> SharedNames | None:
    """The undocumented public names of handler module `dotted_name` (None if it is not one)."""
    def build() -> SharedNames | None:
        path = handler_module_path(project, dotted_name)
        facts = file_facts(project, path) if path is not None else None
        if path is None or facts is None:
            return None
        # Handlers are the API itself, reached through routes; calling one
        # from another module (a test, say) is not using a shared helper.
        handlers = {ref.name for ref in handler_refs_in(project, path)}
        config = project.config
        functions = frozenset(
            name for name in {f.name for f in facts.functions} - handlers
            if not is_exempt_name(config, facts.module, name) and not any(f.documented for f in facts.named(name))
        )
        return SharedNames(facts.module, frozenset(facts.undocumented_constants), functions)

    return project.memo(f"rvl3:shared:{dotted_name}", build)


# Names exempt from documentation whatever their module.
EXEMPT_NAMES = frozenset({"LOG", "LOGGER"})


def is_exempt_name(config: Config, module: str, name: str) -> bool:
    """`is_exempt` for the module named `module` under `config`."""
    if name in EXEMPT_NAMES or name.startswith("_"):
        return True
    qualified = f"{module}.{name}"
    return any(
        fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(qualified, pattern)
        or fnmatch.fnmatchcase(qualified, "*." + pattern)
        for pattern in config.constant_exempt
    )
