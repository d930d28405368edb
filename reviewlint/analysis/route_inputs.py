"""Which routes' contracts a changed Python input can change: what the API-reference family checks again
when a handler, a schema or a helper is saved without the reference."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from reviewlint.service.handlers import handler_paths

if TYPE_CHECKING:
    from reviewlint.model.project import Project


def reads_any(project: "Project", inputs: set[Path]) -> bool:
    """Whether the contracts may read one of `inputs` (resolved): a handler module, a module the analysis
    read, the routes or the versions module."""
    return not (inputs.isdisjoint(handler_paths(project)) and inputs.isdisjoint(contract_inputs(project))
                and inputs.isdisjoint(model_modules(project)))


def model_modules(project: "Project") -> set[Path]:
    """The routes module and the versions module: an edit of either may change every route's contract."""
    from reviewlint.service.routes import route_table
    from reviewlint.service.versions import service_versions

    table, versions = route_table(project), service_versions(project)
    return {path for path in (table.path if table else None, versions.path if versions else None) if path}


def routes_changed_by(project: "Project", inputs: set[Path]) -> set[str] | None:
    """The labels of the routes whose contract Python inputs can change (None: every route).

    A handler module's own routes; a schema module's, the routes whose
    handlers validate with a schema assigned there; any other module's, the
    routes of every handler whose analysis may read it (none for a module
    that cannot be analysed: its RVL900 is all it says). The routes or
    versions module changes them all.
    """
    from reviewlint.core.config import resolve_path
    from reviewlint.analysis.route_contract import route_contracts
    from reviewlint.analysis.reach import handlers_reaching
    from reviewlint.service.routes import route_table
    from reviewlint.model.refusal import is_unknown

    table = route_table(project)
    if table is None:
        return set()
    if not inputs.isdisjoint(model_modules(project)):
        return None
    labels: set[str] = set()
    explained: set[Path] = set()
    for route, contract in route_contracts(project).items():
        for definition in contract.definitions:
            facts = definition.facts
            read = {resolve_path(definition.function.owner.path)}
            uses = (*facts.every_body_schema(), *facts.every_query_schema())
            read.update(resolve_path(use.schema.site.path) for use in uses
                        if use.schema is not None and use.schema.site is not None)
            if not read.isdisjoint(inputs):
                labels.add(route.label)
                explained |= read & inputs
    for path in sorted(inputs - explained - set(handler_paths(project))):
        refs = handlers_reaching(project, path)  # a helper: whatever may read it
        new = None if refs is None else {route.label for ref in refs
                                         for route in table.routes_of_target(ref.qualname)} - labels
        if new == set() or is_unknown(project, path):
            continue  # nothing more; or a module that cannot be analysed: what it changes is unknown
        if new is None:
            return None
        labels |= new
    return labels


def contract_inputs(project: "Project") -> frozenset[Path]:
    """The modules the contracts were read from (kept in the persistent cache with those modules)."""
    from reviewlint.analysis.route_contract import contract_paths
    from reviewlint.model.project import Codec

    return project.memo("rvl6:inputs", lambda: contract_paths(project), Codec(
        lambda paths: sorted(str(path) for path in paths), lambda data: frozenset(Path(p) for p in data)))
