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
    else:
        lines.append("routes: none (no module assigns ROUTE_DECLARATIONS or a sequence of "
                     "(template, {method: handler}) pairs)")
    if facts.versions is not None:
        service = facts.versions
        lines.append(f"versions: {rel(service.path)} ({service.module}), {service.all} "
                     f"({len(service.versions)} versions), service type {service.service_type!r}")
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
    if facts.history is not None:
        lines.append(f"version history: {rel(facts.history.path)} ({len(facts.history.sections)} sections)")
    else:
        lines.append("version history: none (RVL403 is not checked)")
    lines.append(f"microversion gates: {len(project_gates(project))}")
    lines.append(_describe_changes(project, facts.missing()))
    lines.append(_describe_reference(project))
    return "\n".join(lines) + "\n"


def _describe_reference(project: "Project") -> str:
    """The `--show-project` line for the reference."""
    from reviewlint.core.config import relative_to_root
    from reviewlint.rules.apiref import reference

    ref = reference(project)
    if ref is None:
        return "api reference: none (RVL6xx is not checked)"
    return (f"api reference: {relative_to_root(ref.directory, project.root)} ({len(ref.section_files)} .inc files, "
            f"{len(ref.sections)} route sections, {ref.entry_count()} parameters, "
            f"{len(ref.problems)} malformed)")


def _describe_changes(project: "Project", missing: list[str]) -> str:
    """The `--show-project` line for what the gates change: versioned parameters and fields, and how many are tested."""
    if missing:
        return "  tested for what they change: not checked (RVL400)"
    from reviewlint.rules.tested_changes import judge

    judgement = judge(project)
    sent, parameters = judgement.parameters
    asserted, fields = judgement.fields
    return (f"  tested for what they change: {sent} of {parameters} versioned request parameters sent below "
            f"their first version (RVL406), {asserted} of {fields} versioned response fields asserted in "
            f"their range (RVL407)")
