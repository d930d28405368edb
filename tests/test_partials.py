"""Calls through functools.partial, seen by every family alike.

The sluice fixture (reviewlint/fixtures/services/sluice) is a Placement-style service whose
handlers reach what validates a body, or checks policy, only through `functools.partial`: a
module-level `partial(util.extract_json, schema=...)`, a helper decorated with
`@validation.schema` whose context is fixed by a partial bound in the handler, a partial made
where it is called. The one call resolver follows each with the arguments it fixed
(tests/analysis/test_calls.py tests its forms), so RVL2xx, RVL5xx and RVL6xx see the same
validations, checks and gates.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import FIXTURES
from harness import lint_tree
from reviewlint.analysis.route_contract import route_contracts
from reviewlint.analysis.summary import project_gates
from reviewlint.core.config import load_config
from reviewlint.model.project import Project

SLUICE = FIXTURES / "services" / "sluice"
LOCK = "sluice/handlers/lock.py"


def test_only_the_body_nobody_validates_is_reported() -> None:
    # Before partials were followed: a false RVL202 (update_lock), RVL201 (set_level) and RVL501 (drain_lock).
    assert lint_tree(SLUICE) == [(LOCK, 81, "RVL202")]  # fill_lock: _fill_lock validates nothing


def test_each_file_alone_reports_what_the_whole_run_does() -> None:
    for path in (LOCK, "sluice/util.py", "sluice/schemas/lock.py", "sluice/microversion.py"):
        assert lint_tree(SLUICE, path) == [(LOCK, 81, "RVL202")] * (path == LOCK), path


def test_a_gate_reached_through_a_partial_is_seen_by_rvl4xx_and_rvl6xx(tmp_path: Path) -> None:
    # set_level's `require((1, 1))` is `raise_404_if_not_version(req, (1, 1))` with `req` fixed by a partial.
    project = Project(SLUICE, load_config(SLUICE))
    gates = [(project.position(g.record.site)[0], g.record.form, g.record.minimum, g.record.maximum,
              sorted(h.qualname for h in g.handlers)) for g in project_gates(project)]
    assert gates == [(66, "matches", (1, 1), None, ["sluice.handlers.lock.set_level"])]
    contract = next(c for route, c in route_contracts(project).items() if route.label == "PUT /locks/{uuid}/level")
    assert sorted(contract.changes()) == [(1, 1)]
    # Without its functional test at 1.1, the gate is untested (before partials were followed: nothing said).
    root = shutil.copytree(SLUICE, tmp_path / "sluice")
    gabbits = root / "sluice" / "tests" / "functional" / "gabbits" / "locks.yaml"
    text = gabbits.read_text()
    gabbits.write_text(text[:text.index("- name: set the level")] + text[text.index("- name: no level"):])
    assert lint_tree(root, select=["RVL4"]) == [(LOCK, 66, "RVL401")]


def test_the_route_contract_sees_the_schemas_the_partials_reach() -> None:
    project = Project(SLUICE, load_config(SLUICE))
    names = {route.label: sorted((sorted(a.names) if a is not None else None
                                  for mask, a in contract.body_schemas() if mask), key=repr)
             for route, contract in route_contracts(project).items()}
    assert names == {
        "POST /locks": [["name", "rise"]],  # the module's partial fixes extract_json's schema
        "PUT /locks/{uuid}": [["name"]],  # the partial's function validates body= by decorator
        "PUT /locks/{uuid}/level": [["level"]],  # a partial made where it is called
        "POST /locks/{uuid}/fill": [None],  # validated by nobody: not known what it accepts
        "DELETE /locks/{uuid}": [[]],  # no body
    }


def test_a_schema_fixed_by_a_partial_is_checked_by_rvl203(tmp_path: Path) -> None:
    # POST_LOCK reaches extract_json as the partial's schema=, PUT_LEVEL a decorator of the partial's function.
    root = shutil.copytree(SLUICE, tmp_path / "sluice")
    schemas = root / "sluice" / "schemas" / "lock.py"
    text = schemas.read_text()
    for name in ("'name'", "'level'"):
        text = text.replace(f"    'required': [{name}],\n    'additionalProperties': False,\n",
                            f"    'required': [{name}],\n", 1)
    schemas.write_text(text)
    # Before partials were followed: no RVL203 (neither schema reaches a handler's body).
    assert lint_tree(root, select=["RVL203"]) == [("sluice/schemas/lock.py", 3, "RVL203"),
                                                  ("sluice/schemas/lock.py", 21, "RVL203")]
