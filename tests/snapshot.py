"""What the analyses find about every handler, as plain data: the snapshot the analysis core is held to.

Issue "One analysis core" replaces three walkers of handler bodies by one. Before and after,
every handler's facts must stay what they were: for each handler, its flow (body reads, decodes,
validations, schemas, policy checks, unknown calls), every gate with the handlers that reach it,
and every route's contract (schemas in force, query reads, response fields, version changes).
Places are `path:line`, relative to the root; versions are text.

`python tests/snapshot.py NAME ROOT` prints one; tests/test_snapshot.py compares them with
tests/snapshots/NAME.json (REVIEWLINT_UPDATE_SNAPSHOTS=1 writes them again).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from reviewlint.core.config import load_config, relative_to_root


def _where(project: Any, site: Any) -> str:
    line, _ = project.position(site)
    return f"{relative_to_root(site.path, project.root)}:{line}"


def _spot(project: Any, spot: Any) -> str:
    return f"{relative_to_root(spot.path, project.root)}:{spot.line}"


def _flows(project: Any) -> dict[str, Any]:
    from reviewlint.analysis.summary import handler_summary
    from reviewlint.service.handlers import handler_refs

    found: dict[str, Any] = {}
    for ref in handler_refs(project):
        flow = handler_summary(project, ref).flow
        read, check = flow.first_body_read(), flow.first_policy_check()
        found[f"{relative_to_root(ref.path, project.root)}:{ref.name}#{ref.index}"] = {
            "first_body_read": _where(project, read[1]) if read is not None else None,
            "first_policy_check": _where(project, check[1]) if check is not None else None,
            "policy_checks": sorted(_where(project, site) for _, site in flow.checks),
            "decodes_json": flow.decodes_json,
            "unknown": flow.unknown,
            "decodes": sorted([_where(project, site), ok] for site, ok in flow.decodes),
            "extracts": sorted([_where(project, site), ok] for site, ok in flow.extracts),
            "schemas": sorted(_where(project, site) for site in flow.schemas),
        }
    return found


def _gates(project: Any) -> list[Any]:
    from reviewlint.analysis.summary import project_gates

    def version(v: Any) -> str | None:
        return ".".join(map(str, v)) if v else None

    return sorted([_where(project, g.record.site), g.record.form, version(g.record.minimum),
                   version(g.record.maximum), g.record.exclusive_min, g.record.exclusive_max,
                   sorted(h.qualname + f"#{h.index}" for h in g.handlers)] for g in project_gates(project))


def _contracts(project: Any) -> dict[str, Any]:
    from reviewlint.analysis.route_contract import route_contracts

    found: dict[str, Any] = {}
    for route, contract in route_contracts(project).items():
        space = contract.space

        def accepted(pairs: list[Any]) -> list[Any]:
            return sorted(([space.describe(mask), None if a is None else
                            [sorted(a.names), list(a.patterns), a.complete, a.closed]] for mask, a in pairs if mask),
                          key=json.dumps)

        found[route.label] = {
            "served": space.describe(contract.mask),
            "body": accepted(contract.body_schemas()),
            "query": accepted(contract.query_schemas()),
            "query_reads": sorted([space.describe(r.mask), r.name, _spot(project, r.site)]
                                  for r in contract.query_reads()),
            "fields": {name: space.describe(f.mask) for name, f in sorted(contract.fields().items())},
            "response": space.describe(contract.response_mask()),
            "changes": {".".join(map(str, v)): sorted({_spot(project, s) for s in spots})
                        for v, spots in sorted(contract.changes().items())},
        }
    return found


def snapshot(root: Path) -> dict[str, Any]:
    """Every handler's flow, every gate, every route's contract of the project at `root` (cold)."""
    from reviewlint.model.project import Project

    project = Project(root, load_config(root))
    return {"flows": _flows(project), "gates": _gates(project), "contracts": _contracts(project)}


def compare(name: str, root: Path, directory: Path) -> None:
    """Assert the snapshot of `root` is the one saved as `directory/NAME.json` (or save it)."""
    found = json.loads(json.dumps(snapshot(root)))
    path = directory / f"{name}.json"
    if os.environ.get("REVIEWLINT_UPDATE_SNAPSHOTS"):
        path.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
    assert path.exists(), f"no snapshot {path.name} (REVIEWLINT_UPDATE_SNAPSHOTS=1 saves it)"
    saved = json.loads(path.read_text())
    for part in ("flows", "gates", "contracts"):
        assert found[part] == saved[part], f"{name}: the {part} changed (REVIEWLINT_UPDATE_SNAPSHOTS=1 saves them)"


if __name__ == "__main__":
    print(json.dumps(snapshot(Path(sys.argv[2])), indent=1, sort_keys=True))
