"""The one call resolver: which project function a call in a handler or helper runs.

Every walker of handler bodies (flow, gates, the route contract) asks it, so a
form of call taught here is followed by all of them. A call runs:

* a module-level function, named through the module's imports or defined in
  the same module (also in a buffer with no place in the index, flake8's `stdin`);
* `Class.method`, called through a module-level class;
* a method of an instance whose class is known: a constructor call `X()`, a
  name bound to one (in the function, or a module global, also one a function
  sets through `global`), a factory function that returns one, `self.x` bound
  in the class's `__init__`;
* the function a `functools.partial` wraps, the partial made in the call
  (`partial(helper, req)(body)`), bound to a name in the caller or to a global
  of the caller's module: `target` answers it with the arguments the partial
  fixed, which the function receives before the call's own (`callee` and
  `function` leave such calls as they were, so a walker that binds only the
  call's own arguments cannot bind them to the wrong parameters).

Nothing is guessed: a receiver whose class is not known resolves to nothing,
and a call into project code that cannot be found (a relative import above
the known package; a foreign buffer's imports; a name bound to partials in
more than one way, or to a partial by another module) is UNRESOLVED, which
the walkers treat as "may do anything".
A partial of a lambda or of a callable outside the project runs nothing known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import libcst as cst

from reviewlint.model.facts import file_facts, function_ref, ref_of, resolve_function
from reviewlint.model.module import Function, ModuleInfo, child_nodes, dotted
from reviewlint.model.project import Codec

if TYPE_CHECKING:
    from reviewlint.model.facts import FunctionRef
    from reviewlint.model.project import Project

# How many steps a receiver's class is followed through names, factories and globals.
MAX_STEPS = 6


class Unresolved:
    """A call into project code that cannot be found: it may read, check or validate anything."""

    def __repr__(self) -> str:
        return "UNRESOLVED"


UNRESOLVED = Unresolved()


@dataclass(frozen=True)
class Callee:
    """What a call runs: a project function, and the arguments a `functools.partial` fixed for it.

    `fixed` holds the partial's arguments after the function, an inner
    partial's first: the function receives `(*fixed, *call.args)` bound in
    that order (fixed positions first; a keyword of the call wins).
    """

    ref: "FunctionRef"
    fixed: tuple[cst.Arg, ...] = ()


# Where a partial was made (None: at module level) and the `partial(...)` call.
_Binding = tuple[Function | None, cst.BaseExpression]
_CLASSES: Codec[tuple[str, ...]] = Codec(list, lambda data: tuple(str(name) for name in data))


class CallResolver:
    """Resolves calls for one project (one per run: `resolver_for`)."""

    def __init__(self, project: "Project") -> None:
        self.project = project
        self._foreign: dict[Path, bool] = {}
        self._locals: dict[int, dict[str, list[cst.BaseExpression]]] = {}
        self._globals: dict[tuple[Path, str], list[cst.BaseExpression]] = {}
        self._declared: dict[Path, dict[str, list[Function]]] = {}
        self._classes_seen: dict[tuple[int, int, int], tuple[str, ...]] = {}
        self._mentions_partial: dict[Path, bool] = {}
        self._targets: dict[tuple[Path, int, int, int], Callee | Unresolved | None] = {}

    # -- the question ---------------------------------------------------------------------------
    def callee(self, module: ModuleInfo, caller: Function | None,
               func: cst.BaseExpression) -> "FunctionRef | Unresolved | None":
        """What a call of `func` in `caller` (a function of `module`) runs.

        None when it runs nothing of the project (or `caller` itself);
        UNRESOLVED when it runs project code that cannot be found.
        """
        head = (dotted(func) or "").split(".")[0]
        if head and head in module.unresolved_imports:
            return UNRESOLVED
        name = module.resolve(func) or ""
        found = None
        if "." in name:
            found = self._own_function(module, name) or function_ref(self.project, name)
        if found is None and isinstance(func, cst.Attribute):
            found = self._method(module, caller, func)
        if found is None:
            if self.is_foreign(module) and head in module.imports:
                return UNRESOLVED  # its project may not be the one around the working directory
            return None
        if caller is not None and (found.path, found.name, found.index) == (
                caller.owner.path, caller.name, caller.index):
            return None
        return found

    def function(self, module: ModuleInfo, caller: Function | None, func: cst.BaseExpression) -> Function | None:
        """The parsed definition a call of `func` runs, when it resolves (see `callee`)."""
        found = self.callee(module, caller, func)
        if found is None or isinstance(found, Unresolved):
            return None
        return resolve_function(self.project, found)

    # -- through functools.partial ----------------------------------------------------------------
    def target(self, module: ModuleInfo, caller: Function | None,
               func: cst.BaseExpression) -> Callee | Unresolved | None:
        """What a call of `func` runs, as `callee` says, and through `functools.partial` too.

        A partial's answer carries the arguments it fixed; a caller binds
        `arguments(...)`, not the call's own alone.
        """
        return self._target(module, caller, func, MAX_STEPS)

    def fixed(self, module: ModuleInfo, caller: Function | None, func: cst.BaseExpression) -> tuple[cst.Arg, ...]:
        """The arguments a `functools.partial` fixed for a call of `func`: none for any other call (cheap)."""
        if self._partials(module, caller, func) is None:
            return ()
        found = self.target(module, caller, func)
        return found.fixed if isinstance(found, Callee) else ()

    def arguments(self, module: ModuleInfo, caller: Function | None, call: cst.Call) -> tuple[cst.Arg, ...]:
        """What `call` passes, in binding order: a partial's fixed arguments, then the call's own."""
        return (*self.fixed(module, caller, call.func), *call.args)

    def target_function(self, module: ModuleInfo, caller: Function | None,
                        func: cst.BaseExpression) -> Function | None:
        """The parsed definition a call of `func` runs, through partials too (see `target`)."""
        found = self.target(module, caller, func)
        return resolve_function(self.project, found.ref) if isinstance(found, Callee) else None

    def _target(self, module: ModuleInfo, caller: Function | None, func: cst.BaseExpression,
                steps: int) -> Callee | Unresolved | None:
        key = (module.path, id(caller.node) if caller is not None else 0, id(func), steps)
        if key not in self._targets:  # partials that name each other stay polynomial, not k**steps
            self._targets[key] = UNRESOLVED  # a partial of itself, through others
            self._targets[key] = self._target_of(module, caller, func, steps)
        return self._targets[key]

    def _target_of(self, module: ModuleInfo, caller: Function | None, func: cst.BaseExpression,
                   steps: int) -> Callee | Unresolved | None:
        bindings = self._partials(module, caller, func)
        if bindings is None:
            found = self.callee(module, caller, func)
            if found is None and self._imported_partial(module, func):
                return UNRESOLVED  # what it fixed are another module's expressions: not followed
            return found if found is None or isinstance(found, Unresolved) else Callee(found)
        if steps <= 0:
            return UNRESOLVED  # partials of partials beyond the budget: project code, perhaps
        answers = [self._through(module, binding[0], caller, binding[1], steps - 1) if binding else None
                   for binding in bindings]
        if len(answers) > 1:  # bound more than once (in branches, or also by a loop or a parameter)
            return UNRESOLVED if any(answer is not None for answer in answers) else None
        answer = answers[0]
        if isinstance(answer, Callee) and caller is not None and (
                answer.ref.path, answer.ref.name, answer.ref.index) == (caller.owner.path, caller.name, caller.index):
            return None
        return answer

    def _through(self, module: ModuleInfo, scope: Function | None, caller: Function | None,
                 partial: cst.BaseExpression, steps: int) -> Callee | Unresolved | None:
        """What the `partial(func, *fixed)` made in `scope` (None: at module level) runs, called in `caller`."""
        args = partial.args if isinstance(partial, cst.Call) else ()
        if not args or args[0].keyword is not None or args[0].star:
            return None
        inner = self._target(module, scope, args[0].value, steps)
        if not isinstance(inner, Callee):
            return inner
        fixed = tuple(args[1:])
        if scope is None and caller is not None and _names_in(fixed) & set(self._local_values(caller)):
            return UNRESOLVED  # the caller's own names would stand for the module's in what was fixed
        return Callee(inner.ref, inner.fixed + fixed)

    def _partials(self, module: ModuleInfo, caller: Function | None,
                  func: cst.BaseExpression) -> tuple[_Binding | None, ...] | None:
        """The bindings (scope, value) of `func` when it is a partial: made in the call, or a name bound to one.

        None for any other `func` (a name bound to no partial), so its call
        resolves as `callee` says. A binding whose value is not known (a
        loop, a parameter, a function's `global`) is None.
        """
        if not self._mentions(module):
            return None
        if isinstance(func, cst.Call):
            return ((caller, func),) if _is_partial(module, func) else None
        if not isinstance(func, cst.Name):
            return None
        name = func.value
        bound = self._local_values(caller).get(name) if caller is not None else None
        if bound is not None:
            if not any(_is_partial(module, value) for value in bound):
                return None
            return tuple((caller, value) if _is_partial(module, value) else None for value in bound)
        if name in module.imports or module.functions_named(name) or name in module.classes:
            return None
        at_top = [node.value for node in module.assignments.get(name, ())
                  if node.value is not None and not _is_none(node.value)]
        if not any(_is_partial(module, value) for value in at_top):
            return None
        elsewhere = len(self._global_values(module, name)) - len(at_top)  # set in functions through `global`
        return (*((None, value) for value in at_top), *(None for _ in range(elsewhere)))

    def _imported_partial(self, module: ModuleInfo, func: cst.BaseExpression) -> bool:
        """`util.extract_lock` or an imported name, bound to a partial in another module of the project.

        Its module is parsed only when its text binds the name and says `partial`.
        """
        target = module.resolve(func) or ""
        found = self.project.split_path(target) if "." in target else None
        if found is None or "." in found[2] or found[1] == module.path or not binds_name(
                self.project, found[1], found[2]) or "partial" not in self.project.source(found[1]):
            return False
        other = self.project.module_at(found[1])
        return other is not None and any(_is_partial(other, node.value) for node in other.assignments.get(found[2], ())
                                         if node.value is not None)

    def _mentions(self, module: ModuleInfo) -> bool:
        if module.path not in self._mentions_partial:
            self._mentions_partial[module.path] = "partial" in module.source
        return self._mentions_partial[module.path]

    def is_foreign(self, module: ModuleInfo) -> bool:
        """A buffer with no place in this project (no file, no package) that imports nothing of it.

        Run from outside its own project (pylsp with the file outside its
        workspace), what it calls cannot be found: each such call is unknown.
        """
        if module.path not in self._foreign:
            unplaced = "." not in module.name and not module.path.is_file()
            self._foreign[module.path] = unplaced and not any(
                self.project.split_path(f"{target}._") for target in module.imports.values())
        return self._foreign[module.path]

    def _own_function(self, module: ModuleInfo, name: str) -> "FunctionRef | None":
        """A function of this very module, found without the module index.

        A buffer read from stdin without a real file name has a module name
        (`stdin`) that the index cannot resolve; its own helpers still count.
        """
        prefix = module.name + "."
        if not name.startswith(prefix) or "." in name[len(prefix):]:
            return None
        facts = file_facts(self.project, module.path)
        definitions = facts.named(name[len(prefix):]) if facts is not None else ()
        return ref_of(facts, definitions[-1]) if facts is not None and definitions else None

    # -- methods of instances -------------------------------------------------------------------
    def _method(self, module: ModuleInfo, caller: Function | None, func: cst.Attribute) -> "FunctionRef | None":
        for owner in self.classes_of(module, caller, func.value, MAX_STEPS):
            found = function_ref(self.project, f"{owner}.{func.attr.value}")
            if found is not None:
                return found
        return None

    def classes_of(self, module: ModuleInfo, function: Function | None, expr: cst.BaseExpression,
                   steps: int) -> tuple[str, ...]:
        """The dotted name of the class of the instance `expr` evaluates to, if one is known.

        Empty when not known, or when its bindings disagree.
        """
        if steps <= 0:
            return ()
        key = (id(function.node) if function is not None else 0, id(expr), steps)
        if key not in self._classes_seen:  # bindings that name each other stay polynomial, not k**steps
            self._classes_seen[key] = ()
            found = set(self._classes(module, function, expr, steps))
            self._classes_seen[key] = tuple(found) if len(found) == 1 and "" not in found else ()
        return self._classes_seen[key]

    def _classes(self, module: ModuleInfo, function: Function | None, expr: cst.BaseExpression,
                 steps: int) -> Iterator[str]:
        if isinstance(expr, cst.Call):
            target = module.resolve(expr.func) or ""
            made = self._factory_classes(target) if "." in target else None
            if made is not None:
                yield from made
            elif "." in target and self.project.split_path(target) is not None:
                yield target  # a class of the project, if `Class.method` resolves
            return
        if isinstance(expr, cst.Name):
            bound = self._local_values(function).get(expr.value) if function is not None else None
            if bound is not None:
                for value in bound:
                    yield from self._or_unknown(self.classes_of(module, function, value, steps - 1))
                return
            yield from self._global(module, expr.value, steps)
            return
        if isinstance(expr, cst.Attribute):
            if isinstance(expr.value, cst.Name) and expr.value.value == "self" and function is not None:
                yield from self._self_attribute(module, function, expr.attr.value, steps)
                return
            yield from self._other_global(module.resolve(expr) or "", module, steps)
            return
        yield ""  # anything else: not known

    @staticmethod
    def _or_unknown(classes: tuple[str, ...]) -> Iterator[str]:
        yield from classes or ("",)

    def _other_global(self, target: str, module: ModuleInfo, steps: int) -> Iterator[str]:
        """The classes of the module global `target` (dotted) names in another module.

        Its module is parsed only when its text binds the name: a receiver
        that is a module, a class or a library object costs no parse.
        """
        found = self.project.split_path(target) if "." in target else None
        if (found is None or "." in found[2] or self.project.index.canonical(target) is not None
                or not binds_name(self.project, found[1], found[2])):
            yield ""
            return
        other = self.project.module_at(found[1])
        if other is None or other.path == module.path:
            yield ""
            return
        yield from self._global(other, found[2], steps - 1)

    def _global(self, module: ModuleInfo, name: str, steps: int) -> Iterator[str]:
        if name in module.imports and "." in module.imports[name]:
            yield from self._other_global(module.imports[name], module, steps)
            return
        values = self._global_values(module, name)
        if not values:
            yield ""
            return
        for value in values:
            yield from self._or_unknown(self.classes_of(module, None, value, steps - 1))

    def _self_attribute(self, module: ModuleInfo, method: Function, attribute: str, steps: int) -> Iterator[str]:
        owner = method.name.split(".")[0] if "." in method.name else None
        init = module.functions_named(f"{owner}.__init__") if owner is not None else []
        values = [node.value for node in _own_nodes(init[-1].node.body) if isinstance(node, cst.Assign)
                  for target in node.targets if _is_self_attribute(target.target, attribute)] if init else []
        if not values:
            yield ""
            return
        for value in values:
            yield from self._or_unknown(self.classes_of(module, init[-1], value, steps - 1))

    def _factory_classes(self, target: str) -> tuple[str, ...] | None:
        """The classes of what the project function `target` returns ("" for what is not known), or None
        when `target` names no function. Kept with the files it read: a save does not parse the factory's
        module again to learn it."""
        ref = function_ref(self.project, target)
        if ref is None:
            return None

        def compute() -> tuple[str, ...]:
            factory = resolve_function(self.project, ref)
            return tuple(sorted(set(self._returns(factory, MAX_STEPS - 1)))) if factory is not None else ("",)

        return self.project.memo(f"resolver:returns:{ref.key}", compute, _CLASSES)

    def _returns(self, factory: Function, steps: int) -> Iterator[str]:
        module = factory.owner
        values = [node.value for node in _own_nodes(factory.node.body)
                  if isinstance(node, cst.Return) and node.value is not None and not _is_none(node.value)]
        if not values:
            yield ""
            return
        for value in values:
            yield from self._or_unknown(self.classes_of(module, factory, value, steps))

    # -- bindings --------------------------------------------------------------------------------
    def _local_values(self, function: Function) -> dict[str, list[cst.BaseExpression]]:
        """What each local name of `function` is bound to (names it declares `global` left out)."""
        key = id(function.node)
        if key not in self._locals:
            declared: set[str] = set()
            values: dict[str, list[cst.BaseExpression]] = {}
            for node in _own_nodes(function.node.body):
                if isinstance(node, cst.Global):
                    declared.update(item.name.value for item in node.names)
                elif isinstance(node, cst.Assign) and not _is_none(node.value):
                    for target in node.targets:
                        if isinstance(target.target, cst.Name):
                            values.setdefault(target.target.value, []).append(node.value)
                elif isinstance(node, (cst.For, cst.With, cst.AugAssign, cst.AnnAssign, cst.NamedExpr)):
                    for name in _bound_names(node):
                        values.setdefault(name, []).append(cst.Name("_unknown_"))
            params = function.node.params
            for param in (*params.posonly_params, *params.params, *params.kwonly_params):
                values.setdefault(param.name.value, []).append(cst.Name("_unknown_"))
            self._locals[key] = {name: bound for name, bound in values.items() if name not in declared}
        return self._locals[key]

    def _declaring(self, module: ModuleInfo) -> dict[str, list[Function]]:
        """The functions and methods of `module` declaring each name `global`, in order: one walk for every
        name asked (a module's text without the word has no `global` statement to walk for)."""
        if module.path not in self._declared:
            found: dict[str, list[Function]] = {}
            for function in (*module.functions, *module.methods) if "global" in module.source else ():
                for node in _own_nodes(function.node.body):
                    if isinstance(node, cst.Global):
                        for item in node.names:
                            declaring = found.setdefault(item.name.value, [])
                            if not declaring or declaring[-1] is not function:
                                declaring.append(function)
            self._declared[module.path] = found
        return self._declared[module.path]

    def _global_values(self, module: ModuleInfo, name: str) -> list[cst.BaseExpression]:
        """What a module global is bound to: at module level, and in functions that declare it `global`."""
        key = (module.path, name)
        if key not in self._globals:
            values = [node.value for node in module.assignments.get(name, ())
                      if node.value is not None and not _is_none(node.value)]
            for function in self._declaring(module).get(name, ()):
                values.extend(node.value for node in _own_nodes(function.node.body)
                              if isinstance(node, cst.Assign) and not _is_none(node.value)
                              for target in node.targets
                              if isinstance(target.target, cst.Name) and target.target.value == name)
            self._globals[key] = values
        return self._globals[key]


def binds_name(project: "Project", path: Path, name: str) -> bool:
    """Cheap text test: does the module at `path` bind `name` at the start of a line (`NAME =`, `NAME: T =`)?"""
    try:
        text = project.source(path)
    except Exception:  # unreadable files are RVL900's business
        return False
    return name in text and re.search(rf"^[ \t]*{re.escape(name)}[ \t]*(?::[^=\n]*)?=(?!=)", text, re.M) is not None


def _is_partial(module: ModuleInfo, expr: cst.BaseExpression) -> bool:
    """`functools.partial(...)`, through the module's imports."""
    return isinstance(expr, cst.Call) and module.resolve(expr.func) == "functools.partial"


def _names_in(args: tuple[cst.Arg, ...]) -> set[str]:
    """The plain names the values of `args` read (`schema` of `schema.POST_X`)."""
    names: set[str] = set()
    stack: list[cst.CSTNode] = [arg.value for arg in args]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            names.add(node.value)
        elif isinstance(node, cst.Attribute):
            stack.append(node.value)
        elif not isinstance(node, cst.Lambda):
            stack.extend(child_nodes(node))
    return names


def _own_nodes(body: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The nodes of a function's body, without those of functions and classes defined inside."""
    stack: list[cst.CSTNode] = [body]
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            stack.extend(child_nodes(node))


def _bound_names(node: cst.CSTNode) -> Iterator[str]:
    targets: list[cst.CSTNode] = []
    if isinstance(node, cst.For):
        targets.append(node.target)
    elif isinstance(node, cst.With):
        targets.extend(item.asname.name for item in node.items if item.asname is not None)
    elif isinstance(node, (cst.AugAssign, cst.AnnAssign)):
        targets.append(node.target)
    elif isinstance(node, cst.NamedExpr):
        targets.append(node.target)
    for target in targets:
        stack = [target]
        while stack:
            current = stack.pop()
            if isinstance(current, cst.Name):
                yield current.value
            elif isinstance(current, (cst.Tuple, cst.List)):
                stack.extend(element.value for element in current.elements)


def _is_none(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def _is_self_attribute(target: cst.BaseExpression, attribute: str) -> bool:
    return (isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name)
            and target.value.value == "self" and target.attr.value == attribute)


def resolver_for(project: "Project") -> CallResolver:
    """The project's one CallResolver (one per run)."""
    return project.analysis(CallResolver)
