"""RVL3xx: documentation of constants and shared functions of handler modules.

What a handler module defines at module level is read by reviewers of every
module that imports it. A constant is documented by a comment on the line
directly above its assignment, a comment ending its first line (`#:` is the
Sphinx spelling of either) or a string-literal statement directly after it.
Comments come from LibCST's whitespace nodes, never from matching text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Iterator

import libcst as cst

from reviewlint.model.documentation import binding_positions, plain_imports, undocumented_constants
from reviewlint.service.handlers import SharedNames, candidate_modules, is_handler_module, shared_names
from reviewlint.core.findings import Finding
from reviewlint.model.module import ModuleInfo, child_nodes
from reviewlint.rules.base import LintContext, Rule

if TYPE_CHECKING:
    from reviewlint.model.project import Project


# -- uses in other modules ---------------------------------------------------------
def imported_shared_names(project: "Project", module: ModuleInfo) -> list[SharedNames]:
    """The handler modules `module` imports from (itself excluded) that have undocumented names."""
    # `import a.b` is known to ModuleInfo as `a` only: use the full name, so
    # that importing one module of a package does not pull in all the others.
    imported = {full for local, full in module.imports.items() if local != full or "." in full}
    imported.update(plain_imports(module))
    imported = {project.canonical(name) for name in imported}
    found = []
    for candidate in candidate_modules(project):  # shared_names: None for any that is no handler module
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
             if any(q.startswith(project.canonical(full) + ".") or q == project.canonical(full)
                    for q in constants | functions)}
    for node in _reads(module.tree):
        if isinstance(node, cst.Call):
            name = _resolved(project, module, node.func, heads)
            if name in functions and name not in calls:
                calls[name] = SharedUse(name, node)
        elif isinstance(node, (cst.Name, cst.Attribute)):
            name = _resolved(project, module, node, heads)
            if name in constants and name not in reads:
                reads[name] = SharedUse(name, node)
    return list(reads.values()), list(calls.values())


def _uses(ctx: LintContext) -> tuple[list[SharedUse], list[SharedUse]]:
    """`shared_uses` of the file being linted, computed once for RVL302 and RVL303."""
    if "rvl3:uses" not in ctx.memo:
        ctx.memo["rvl3:uses"] = shared_uses(ctx.project, ctx.module)
    return ctx.memo["rvl3:uses"]


def _resolved(project: "Project", module: ModuleInfo, expr: cst.BaseExpression, heads: set[str]) -> str | None:
    head = expr
    while isinstance(head, cst.Attribute):
        head = head.value
    if not isinstance(head, cst.Name) or head.value not in heads:
        return None
    name = module.resolve(expr)
    return project.canonical(name) if name is not None else None


# -- the rules ----------------------------------------------------------------------
class UndocumentedConstant(Rule):
    """A public constant of a handler module has no documentation.

    Handler modules are read by API reviewers, and their constants are the
    API's defaults and limits. A constant without a comment or docstring
    leaves the next reader to guess whether its value is a contract (clients
    see it) or an accident; reviewers of Placement asked for exactly this on
    `INVENTORY_DEFAULTS`. A comment covers only the assignment directly below
    it: a block of constants needs one comment each. An alias of another
    module's object (`CONF = conf.CONF`) is documented where that object is.
    """

    code = "RVL301"
    severity = "note"
    message = "constant {name} of a handler module is not documented: add a comment above it or a docstring after it"
    location = "the assignment"
    bad = {"svc/handlers/inventory.py": '''
        # Fields of an inventory in responses.
        OUTPUT_INVENTORY_FIELDS = ['total', 'reserved']
        INVENTORY_DEFAULTS = {'reserved': 0}  # <-


        @wsgi_wrapper.PlacementWsgify
        def get_inventories(req):
            ...
    '''}
    good = {"svc/handlers/inventory.py": '''
        # Fields of an inventory in responses.
        OUTPUT_INVENTORY_FIELDS = ['total', 'reserved']
        # Values of the fields a client leaves out when it writes an inventory.
        INVENTORY_DEFAULTS = {'reserved': 0}


        @wsgi_wrapper.PlacementWsgify
        def get_inventories(req):
            ...
    '''}

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        if not is_handler_module(ctx.project, ctx.module):
            return
        undocumented = undocumented_constants(ctx.module, ctx.project)
        positions = binding_positions(ctx.module.source) if undocumented else {}
        for name, node in undocumented.items():
            line, col = positions.get(name) or ctx.module.position(node)
            yield ctx.finding(self.code, line, col, self.message.format(name=name))


class UndocumentedConstantUse(Rule):
    """Another module reads an undocumented constant of a handler module.

    Once a constant is shared, its value is an interface between modules: a
    change for one handler silently changes the other. The reader of the
    using module should find, where the constant is defined, what it is for.
    """

    code = "RVL302"
    severity = "note"
    message = "{name} is an undocumented constant of handler module {module}: document it at its definition"
    location = "the attribute or name use, once per constant per module"
    bad = {
        "svc/handlers/inventory.py": '''
            INVENTORY_DEFAULTS = {'reserved': 0}


            @wsgi_wrapper.PlacementWsgify
            def get_inventories(req):
                ...
        ''',
        "svc/handlers/reshaper.py": '''
            import copy

            from svc.handlers import inventory


            @wsgi_wrapper.PlacementWsgify
            def reshape(req):
                inv_data = copy.copy(inventory.INVENTORY_DEFAULTS)  # <-
        ''',
    }
    good = {"svc/handlers/inventory.py": '''
        # Values of the fields a client leaves out when it writes an inventory.
        INVENTORY_DEFAULTS = {'reserved': 0}


        @wsgi_wrapper.PlacementWsgify
        def get_inventories(req):
            ...
    '''}

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
    severity = "note"
    message = "{name}() is a public function of handler module {module} without a docstring: document it"
    location = "the call, once per function per module"
    bad = {
        "svc/handlers/allocation.py": '''
            def inspect_consumers(context, data, want_version):
                ...


            @wsgi_wrapper.PlacementWsgify
            def set_allocations(req):
                ...
        ''',
        "svc/handlers/reshaper.py": '''
            from svc.handlers import allocation


            @wsgi_wrapper.PlacementWsgify
            def reshape(req):
                ...
                allocation.inspect_consumers(context, data, want_version)  # <-
        ''',
    }
    good = {"svc/handlers/allocation.py": '''
        def inspect_consumers(context, data, want_version):
            """Look at consumer data in allocations and create consumers as needed."""
            ...


        @wsgi_wrapper.PlacementWsgify
        def set_allocations(req):
            ...
    '''}

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        _, calls = _uses(ctx)
        for use in calls:
            yield _use_finding(ctx, self.code, self.message, use)


def _use_finding(ctx: LintContext, code: str, message: str, use: SharedUse) -> Finding:
    module, _, name = use.qualname.rpartition(".")
    line, col = ctx.module.position(use.node)
    return ctx.finding(code, line, col, message.format(name=name, module=module))


RULES: tuple[type[Rule], ...] = (UndocumentedConstant, UndocumentedConstantUse, UndocumentedSharedFunction)
