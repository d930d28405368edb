"""What the project model found, for `reviewlint --show-project` (reporting, not a rule)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING
from reviewlint.service.handlers import handler_paths

if TYPE_CHECKING:
    from reviewlint.model.project import Project


def describe_project(project: "Project") -> str:
    """What the project model holds, for `reviewlint --show-project`."""
    from reviewlint.core.config import relative_to_root
    from reviewlint.analysis.summary import project_gates

    from reviewlint.rules.microversions import model

    facts = model(project)

    def rel(path: Path) -> str:
        return relative_to_root(path, project.root)

    lines = [f"root: {project.root}"]
    if facts.routes is not None:
        from reviewlint.service.routes import unresolved_routes

        dead = len(unresolved_routes(project))
        lines.append(f"routes: {rel(facts.routes.path)} ({facts.routes.module}), {facts.routes.description}, "
                     f"{len(facts.routes.routes)} routes, {len(facts.routes.routes) - dead} resolve to handlers")
    elif facts.routes_unknown:
        lines.append("routes: unknown (a module that may hold them cannot be analysed: see below)")
    else:
        lines.append("routes: none (no module assigns ROUTE_DECLARATIONS or a sequence of "
                     "(template, {method: handler}) pairs)")
    if facts.versions is not None:
        service = facts.versions
        lines.append(f"versions: {rel(service.path)} ({service.module}), {service.all} "
                     f"({len(service.versions)} versions), service type {service.service_type!r}")
    elif facts.versions_unknown:
        lines.append("versions: unknown (a module that may define VERSIONS cannot be analysed: see below)")
    else:
        lines.append("versions: none (no module assigns a VERSIONS list)")
    modules = handler_paths(project)
    lines.append(f"handler modules ({len(modules)}):")
    lines.extend(f"  {rel(path)}" for path in modules)
    tests = facts.tests
    lines.append(f"functional tests: {len(tests.files)} files, {len(tests.requests)} requests "
                 f"({tests.left_out} left out with an unknown URL, {tests.skipped} skipped, "
                 f"{len(tests.problems)} malformed)")
    directories: dict[str, int] = defaultdict(int)
    for path in tests.files:
        directories[rel(path.parent)] += 1
    lines.extend(f"  {directory}/ ({count} files)" for directory, count in sorted(directories.items()))
    from reviewlint.service.gabbi import uncounted_test_files

    uncounted: dict[str, int] = defaultdict(int)
    for path in uncounted_test_files(project):
        uncounted[rel(path.parent)] += 1
    if uncounted:
        lines.append(f"other gabbi-like YAML, not counted ({sum(uncounted.values())} files; "
                     "the functional-tests key can add them):")
        lines.extend(f"  {directory}/ ({count} files)" for directory, count in sorted(uncounted.items()))
    if facts.history is not None:
        lines.append(f"version history: {rel(facts.history.path)} ({len(facts.history.sections)} sections)")
    else:
        lines.append("version history: none (RVL403 is not checked)")
    lines.append(f"microversion gates: {len(project_gates(project))}")
    lines.extend(_describe_contracts(project))
    lines.append(_describe_reference(project))
    from reviewlint.service.unknown import needed_modules
    from reviewlint.model.refusal import refusal

    refused = [(path, why) for path in sorted(needed_modules(project)) if (why := refusal(project, path)) is not None]
    if refused:  # what rests on them is unknown, not absent: see reviewlint/service/unknown.py
        lines.append(f"cannot analyse ({len(refused)}; each is an RVL900, and what rests on it is unknown):")
        lines.extend(f"  {rel(path)}:{why[1]}: {why[0]}" for path, why in refused)
    return "\n".join(lines) + "\n"


def _describe_contracts(project: "Project") -> list[str]:
    """The `--show-project` line for the route contracts RVL6xx reads: which handlers it could not follow to the end.

    Only with a reference (without one, nothing reads the contracts).
    """
    from reviewlint.core.config import relative_to_root
    from reviewlint.analysis.contract import MAX_STEPS
    from reviewlint.analysis.route_contract import over_budget, route_contracts
    from reviewlint.service.reference_choice import reference

    if reference(project) is None:
        return []
    routes = len(route_contracts(project))
    over = over_budget(project)
    if not over:
        return [f"route contracts: {routes} routes, every handler analysed to the end"]
    named = ", ".join(f"{function.qualname} ({relative_to_root(function.owner.path, project.root)}:{function.line})"
                      for function in over)
    return [f"route contracts: {routes} routes; the analysis ran out of steps ({MAX_STEPS} expressions a handler) "
            f"in {len(over)} handler{'s' if len(over) > 1 else ''}, so RVL6xx says nothing of what "
            f"{'they do' if len(over) > 1 else 'it does'} past that: {named}"]


def _describe_reference(project: "Project") -> str:
    """The `--show-project` lines for the reference: the one used, then every candidate and what it documents."""
    from reviewlint.core.config import relative_to_root
    from reviewlint.service.reference_choice import choice, reference

    found = choice(project)
    ref = reference(project)
    lines = []
    if ref is None:
        if not found.candidates and not found.configured:
            return "api reference: none (RVL6xx is not checked)"
        lines.append(f"api reference: none ({found.why()}: RVL6xx is not checked)")
    else:
        lines.append(f"api reference: {relative_to_root(ref.directory, project.root)} "
                     f"({len(ref.section_files)} .inc files, {len(ref.sections)} route sections, "
                     f"{ref.entry_count()} parameters, {len(ref.problems)} malformed): {found.why()}")
    for candidate in found.candidates:
        used = " (used)" if candidate.directory == found.chosen else ""
        lines.append(f"  candidate {relative_to_root(candidate.directory, project.root)}: documents "
                     f"{candidate.documented} of {found.routes} routes{used}")
    if not found.searched_all:
        from reviewlint.service.reference_choice import MAX_SEARCHED_FILES

        lines.append(f"  (the search for other candidates stopped after {MAX_SEARCHED_FILES} .inc files)")
    return "\n".join(lines)
