"""What each module defines, as plain data: its functions, handlers, imports and documentation.

These facts are what other modules need to know about a module without
parsing it again: which functions it defines (and which are handlers or
lack a docstring), what it imports, and which public constants are
undocumented. They are cached per file (see `Project.memo`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reviewlint.core.config import resolve_path
from reviewlint.core.guard import UnreadableSource
from reviewlint.model.project import Codec

if TYPE_CHECKING:
    from reviewlint.model.module import Function, ModuleInfo
    from reviewlint.model.project import Project


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
    """What the module at `path` defines (functions, handlers, imports, documentation), as data.

    None when it cannot be parsed.
    """
    path = resolve_path(path)
    return project.memo(f"facts:{path}", lambda: _facts_of(project.module_at(path), project), FACTS)


def _facts_of(module: "ModuleInfo | None", project: "Project") -> FileFacts | None:
    if module is None:
        return None
    from reviewlint.model.documentation import plain_imports, undocumented_constants

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


def function_ref(project: "Project", dotted: str) -> FunctionRef | None:
    """The function a call to `dotted` runs (its last definition), without parsing it.

    A module-level function, or a method called on a module-level class
    (`lib.RequestGroup.dict_from_request`). A cheap text test comes
    first, so resolving a missing name reads one file at most.
    """
    found = project.split_path(dotted)
    if found is None or found[2].count(".") > 1:
        return None  # module.function or module.Class.method
    _, path, attr = found
    try:
        if f"def {attr.rsplit('.', 1)[-1]}(" not in project.source(path):
            return None
    except UnreadableSource:
        return None
    facts = file_facts(project, path)
    definitions = facts.named(attr) if facts is not None else ()
    if not definitions:
        return None
    return ref_of(facts, definitions[-1])  # type: ignore[arg-type]


def resolve_function(project: "Project", ref: FunctionRef) -> "Function | None":
    """The parsed definition `ref` names (parses its module)."""
    module = project.module_at(ref.path)
    definitions = module.functions_named(ref.name) if module is not None else []
    return definitions[ref.index] if ref.index < len(definitions) else None


def function_named(project: "Project", dotted: str) -> "Function | None":
    """The parsed module-level function a call to `dotted` runs (its last definition)."""
    ref = function_ref(project, dotted)
    return resolve_function(project, ref) if ref is not None else None
