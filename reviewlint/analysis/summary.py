"""What one handler does that other files report: its gates, decodes and request-body schemas.

Rules that report in files other than the handler's own (RVL201 in a
helper, RVL203 in a schema module, RVL4xx at a gate anywhere) need every
handler of the project. Each handler's part is a `HandlerSummary`, plain
data cached with the files it was computed from, so a run that changed one
handler module walks that module's handlers again and no others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from reviewlint.model.facts import FunctionRef, file_facts, resolve_function
from reviewlint.analysis.flow import HandlerFlow, flow_of
from reviewlint.analysis.gates import Gate, GatedHandler, GateFinder, GateRecord
from reviewlint.service.handlers import handler_paths, handler_refs
from reviewlint.model.module import Site
from reviewlint.model.project import Codec

if TYPE_CHECKING:
    from reviewlint.analysis.values import GateSeen
    from reviewlint.analysis.version_space import VersionSpace
    from reviewlint.model.module import Function
    from reviewlint.model.project import Project
    from reviewlint.model.schemas import Value


@dataclass(frozen=True)
class OpenObject:
    """An object of a request-body schema that declares properties and allows any others."""

    site: Site  # the dict literal
    declares: str  # "properties", "patternProperties" or both
    schema: str  # the schema constant (or expression) the handler validates against
    path: str  # the JSON path of the object inside that schema


@dataclass(frozen=True)
class HandlerSummary:
    """One handler's gates, what it does with its request, and its open schema objects."""

    view: GatedHandler
    label: str  # how messages name the handler (`trait.put_trait (>= 1.6)`)
    gates: frozenset[GateRecord]
    walked: frozenset[str]  # functions the gate search walked (`FunctionRef.key`)
    flow: HandlerFlow
    open_objects: tuple[OpenObject, ...]

    @property
    def decodes(self) -> tuple[tuple[Site, bool], ...]:
        """Every JSON decode on its path, and whether it is validated."""
        return self.flow.decodes

    @property
    def extracts(self) -> tuple[tuple[Site, bool], ...]:
        """`extract_json` without a schema on its path, and whether what it decodes is validated later."""
        return self.flow.extracts


def _site(data: Any) -> Site:
    return Site(Path(data[0]), int(data[1]))


def _encode(summary: HandlerSummary) -> Any:
    return [
        summary.view.to_data(),
        summary.label,
        sorted((g.to_data() for g in summary.gates), key=repr),
        sorted(summary.walked),
        summary.flow.to_data(),
        [[str(o.site.path), o.site.ordinal, o.declares, o.schema, o.path] for o in summary.open_objects],
    ]


def _decode(data: Any) -> HandlerSummary:
    view, label, gates, walked, flow, open_objects = data
    return HandlerSummary(
        GatedHandler.from_data(view),
        str(label),
        frozenset(GateRecord.from_data(g) for g in gates),
        frozenset(str(w) for w in walked),
        HandlerFlow.from_data(flow),
        tuple(OpenObject(_site(o), str(o[2]), str(o[3]), str(o[4])) for o in open_objects),
    )


SUMMARY = Codec(_encode, _decode)


def handler_summary(project: "Project", ref: "FunctionRef") -> HandlerSummary:
    """The summary of one handler (cached while the files it read are unchanged)."""
    space = project.analysis(_space)[0]
    return project.memo(summary_key(project, ref), lambda: _summarize(project, ref, space), SUMMARY)


def handler_flow(project: "Project", handler: "Function") -> HandlerFlow:
    """What one handler definition does with its request (its summary's, cached with it)."""
    ref = FunctionRef(handler.owner.path, handler.module, handler.name, handler.index, handler.params)
    return handler_summary(project, ref).flow


def summary_key(project: "Project", ref: "FunctionRef") -> str:
    """The memo key of a handler's summary: the handler, and the versions it is interpreted at."""
    return f"handler:{ref.key}:{project.analysis(_space)[1]}"


def _space(project: "Project") -> "tuple[VersionSpace, str]":
    """The versions handlers are interpreted at, and a digest of them for the keys of what depends on them
    (so an edit that leaves them as they were invalidates nothing)."""
    from reviewlint.analysis.route_contract import project_space

    space = project_space(project)
    return space, space.key


def _summarize(project: "Project", ref: "FunctionRef", space: "VersionSpace") -> HandlerSummary:
    from reviewlint.analysis.route_contract import definition_facts
    from reviewlint.service.handlers import handler_label

    handler = resolve_function(project, ref)
    if handler is None:  # pragma: no cover - a ref always names a parsed definition
        return HandlerSummary(GatedHandler(ref.qualname, ref.name, ref.index, None, None), ref.qualname,
                              frozenset(), frozenset(), HandlerFlow(), ())
    finder = project.analysis(GateFinder)
    facts = definition_facts(project, handler, space)
    gates = {gate_record(seen) for seen in facts.every_gate()}
    own = finder.decorator_gate(handler)
    if own is not None:
        gates.add(own)
    flow = flow_of(facts)
    label = handler_label(handler)  # its routes are added where a message names it (routed_label)
    return HandlerSummary(finder.gated_handler(handler), label, frozenset(gates), facts.every_function(), flow,
                          tuple(_open_objects(project, list(flow.schemas))))


def _open_objects(project: "Project", schemas: list[Site]) -> list[OpenObject]:
    import libcst as cst

    from reviewlint.model.schemas import evaluator_for

    evaluator = evaluator_for(project)
    found: list[OpenObject] = []
    for site in schemas:
        module = project.module_at(site.path)
        expr = module.node_at(site.ordinal) if module is not None else None
        if module is None or expr is None:
            continue
        constant = evaluator.constant_name(module, expr)  # type: ignore[arg-type]
        target = evaluator.imported_constant(module, expr) if isinstance(expr, cst.Attribute) else None
        if target is not None:
            # `schema.POST_THING`: its open objects depend on the schema modules
            # alone, so an edit of the handler's module does not parse them again.
            path, attr = target
            objects = project.memo(f"open-objects:{path}:{attr}",
                                   lambda: _value_open_objects(evaluator.constant(path, attr)), _OPEN_OBJECTS)
        else:
            objects = _value_open_objects(evaluator.evaluate(module, expr))  # type: ignore[arg-type]
        found.extend(OpenObject(where, declares, constant, json_path) for where, declares, json_path in objects)
    return found


_Open = tuple[Site, str, str]  # (the open dict literal, what it declares, its JSON path)
_OPEN_OBJECTS: Codec[list[_Open]] = Codec(
    lambda objects: [[str(where.path), where.ordinal, declares, path] for where, declares, path in objects],
    lambda data: [(_site(row), str(row[2]), str(row[3])) for row in data])


def _value_open_objects(value: "Value") -> list[_Open]:
    from reviewlint.model.schemas import open_objects

    found = []
    for item in open_objects(value):
        entries = item.dict_value.entries
        declares = " and ".join(k for k in ("properties", "patternProperties") if k in entries)
        found.append((item.dict_value.origin.site, declares, item.path))
    return found


def project_summaries(project: "Project") -> tuple[HandlerSummary, ...]:
    """The summary of every handler of the project."""
    return tuple(handler_summary(project, ref) for ref in handler_refs(project))


def summaries_reaching(project: "Project", path: Path) -> tuple[HandlerSummary, ...]:
    """The summaries of the handlers whose analysis may read `path` (see reach.py): all a file's findings need."""
    from reviewlint.analysis.reach import handlers_reaching

    refs = handlers_reaching(project, path)
    if refs is None:
        return project_summaries(project)
    return tuple(handler_summary(project, ref) for ref in refs)


GATES: Codec[tuple[Gate, ...]] = Codec(lambda gates: [g.to_data() for g in gates],
                                       lambda data: tuple(Gate.from_data(g) for g in data))


def project_gates(project: "Project") -> tuple[Gate, ...]:
    """Every gate of the project, with the handlers that reach each."""
    return project.memo("gates", lambda: _build(project, handler_refs(project), handler_paths(project)), GATES)


def gates_in(project: "Project", path: Path) -> tuple[Gate, ...]:
    """The gates in one file, with the handlers that reach each: only handlers that may reach the file count."""
    def build() -> tuple[Gate, ...]:
        from reviewlint.service.handlers import handler_refs_in
        from reviewlint.analysis.reach import handlers_reaching

        refs = handlers_reaching(project, path)
        if refs is None:
            return tuple(gate for gate in project_gates(project) if gate.path == path)
        paths = [path] if handler_refs_in(project, path) else []
        return tuple(gate for gate in _build(project, refs, paths) if gate.path == path)

    return project.memo(f"gates:{path}", build, GATES)


def _build(project: "Project", refs: Iterable["FunctionRef"], handler_paths: Iterable[Path]) -> tuple[Gate, ...]:
    reached: dict[GateRecord, dict[tuple[str, int], GatedHandler]] = {}
    walked: set[str] = set()
    for ref in refs:
        summary = handler_summary(project, ref)
        walked |= summary.walked
        for record in summary.gates:
            reached.setdefault(record, {})[(summary.view.qualname, summary.view.index)] = summary.view
    # Inline gates of handler-module functions no handler reaches still name
    # versions (RVL402, RVL403).
    for path in handler_paths:
        facts = file_facts(project, path)
        if facts is None:
            continue
        from reviewlint.model.facts import ref_of

        for function in facts.functions:
            ref = ref_of(facts, function)
            if ref.key not in walked:
                for record in _unreached_gates(project, ref):
                    reached.setdefault(record, {})
    gates = [Gate(record, tuple(handlers[k] for k in sorted(handlers))) for record, handlers in reached.items()]
    return tuple(sorted(gates, key=lambda g: (str(g.path), g.site.ordinal)))


def gate_record(seen: "GateSeen") -> GateRecord:
    """A gate the interpreter met, as cached data."""
    module = seen.site.module
    return GateRecord(Site(module.path, module.ordinal(seen.site.node)), module.name, seen.form,
                      seen.minimum, seen.maximum, seen.exclusive_min, seen.exclusive_max)


_RECORDS: Codec[frozenset[GateRecord]] = Codec(lambda records: sorted((r.to_data() for r in records), key=repr),
                                               lambda data: frozenset(GateRecord.from_data(r) for r in data))


def _unreached_gates(project: "Project", ref: "FunctionRef") -> frozenset[GateRecord]:
    """The gates of a function of a handler module no handler reaches, walked at every version."""
    space, digest = project.analysis(_space)

    def compute() -> frozenset[GateRecord]:
        from reviewlint.analysis.route_contract import unreached_facts

        function = resolve_function(project, ref)
        if function is None:
            return frozenset()
        return frozenset(gate_record(seen) for seen in unreached_facts(project, function, space).every_gate())

    return project.memo(f"unreached-gates:{ref.key}:{digest}", compute, _RECORDS)


@dataclass(frozen=True)
class Scope:
    """The handlers a question is asked of: every handler (`path` None), or those that may reach `path`.

    A rule family says once where it may report, as a function of a scope;
    a run that asks about many files asks it of the whole project, and an
    editor's first save asks it of the handlers reaching the one file.
    """

    project: "Project" = field(compare=False)
    path: Path | None = None

    def summaries(self) -> tuple[HandlerSummary, ...]:
        """The summaries of the handlers in scope."""
        if self.path is None:
            return project_summaries(self.project)
        return summaries_reaching(self.project, self.path)

    def gates(self) -> tuple[Gate, ...]:
        """The gates in scope: every gate, or those in `path`."""
        if self.path is None:
            return project_gates(self.project)
        return gates_in(self.project, self.path)
