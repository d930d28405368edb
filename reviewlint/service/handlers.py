"""The service's handlers: which functions they are, where they live, what their modules share.

A handler is a function wrapped by a wsgify decorator in a module that may
hold handlers, or a function the routes name (RULES.md, "handler"). What a
module defines comes from its facts (facts.py), so most questions here are
answered without parsing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from reviewlint.core.config import is_exempt_name, resolve_path
from reviewlint.model.facts import PATHS, REFS, FunctionRef, file_facts, ref_of

if TYPE_CHECKING:
    from reviewlint.model.module import Function, ModuleInfo
    from reviewlint.model.project import Project


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


def defines_wsgify_handlers(project: "Project", path: Path) -> bool:
    """Whether one file defines wsgify-decorated handlers, reading that file alone (not the routes,
    nor which other files may define handlers)."""
    path = resolve_path(path)
    if not project.may_hold_handlers(path) or not project.may_define_handlers(project.raw(path)):
        return False
    facts = file_facts(project, path)
    return facts is not None and any(f.wsgify for f in facts.functions)


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
        from reviewlint.service.routes import route_table

        found = dict.fromkeys(handler_candidates(project))
        table = route_table(project)
        for target in table.targets if table is not None else ():
            split = project.split_path(target)
            if split is not None and "." not in split[2]:
                found.setdefault(resolve_path(split[1]))
        return tuple(sorted(found, key=_listing_order(project, found)))

    return project.memo("handler_module_candidates", compute)  # once a run: every file asks


def _listing_order(project: "Project", found: Iterable[Path]) -> Callable[[Path], int]:
    """The sort key of resolved paths by where the tree lists them (after the rest: those it does not).

    A resolved path the listing holds as it is needs no `lstat`; only when one is listed under another
    name (a link) is every file resolved (on nova, 1,500 of them: 15 ms of every run).
    """
    listed = project.python_files
    order = {str(path): index for index, path in enumerate(listed)}
    if any(str(path) not in order for path in found):
        resolved = {resolve_path(path): index for index, path in enumerate(listed)}
        return lambda path: resolved.get(path, len(listed))
    return lambda path: order[str(path)]


def first_handler_path(project: "Project") -> Path | None:
    """`handler_paths(project)[0]`, parsing only the candidates sorted before it."""
    return next((path for path in sorted(handler_module_candidates(project)) if handler_refs_in(project, path)), None)


def _routed_refs(project: "Project", path: Path) -> tuple[FunctionRef, ...]:
    """Every definition in `path` of every function the routes name (RULES.md: those are handlers too),
    in the routes' order."""
    from reviewlint.service.routes import route_table

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


def handler_paths(project: "Project") -> tuple[Path, ...]:
    """The files of the handler modules, sorted."""
    return tuple(sorted({ref.path for ref in handler_refs(project)}))


def is_handler(project: "Project", function: "Function") -> bool:
    """True when `function` (a parsed definition) is one of the project's handlers."""
    if function.owner.is_handler(function) and project.may_hold_handlers(function.owner.path):
        return True
    return (function.qualname, function.index) in routed_keys(project, function.owner.path)


def handlers_in(project: "Project", module: "ModuleInfo") -> Iterator["Function"]:
    """The handlers `module` defines, in source order."""
    return (function for function in module.functions if is_handler(project, function))


def handler_label(handler: "Function", project: "Project | None" = None) -> str:
    """How every message names a handler: `module.function`, then its routes and its version range.

    `shelf.show_shelf_crates (GET /shelves/{uuid}/crates; >= 1.3)`: the
    routes when the project declares some for it, the range of its own
    `version_handler` (`1.0..1.7` with a maximum) for a versioned definition.
    """
    label = f"{handler.module.rsplit('.', 1)[-1]}.{handler.name}"
    details = []
    if project is not None:
        from reviewlint.service.routes import route_table

        table = route_table(project)
        routes = table.routes_of(handler) if table is not None else ()
        if routes:
            details.append(", ".join(route.label for route in routes))
    for decorator in handler.decorators:
        if decorator.short == "version_handler" and decorator.call is not None and decorator.call.args:
            from reviewlint.model.module import string_value
            low = string_value(decorator.call.args[0].value)
            maximum = [arg.value for n, arg in enumerate(decorator.call.args) if (n == 1 and arg.keyword is None)
                       or (arg.keyword is not None and arg.keyword.value == "max_ver")]
            high = string_value(maximum[0]) if maximum else None
            if low and high:
                details.append(f"{low}..{high}")
            elif low:
                details.append(f">= {low}")
    return f"{label} ({'; '.join(details)})" if details else label


def routed_label(project: "Project", qualname: str, label: str) -> str:
    """`handler_label(handler)` (as a summary keeps it) with the routes of the handler `qualname` put in."""
    from reviewlint.service.routes import route_table

    table = route_table(project)
    routes = table.routes_of_target(qualname) if table is not None else ()
    if not routes:
        return label
    name, _, rest = label.partition(" (")
    served = ", ".join(route.label for route in routes)
    return f"{name} ({served}; {rest}" if rest else f"{name} ({served})"
