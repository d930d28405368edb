"""Real checkouts are messy: module identity must survive a missing `__init__.py` chain.

A namespace package, a sparse or partial checkout, a vendored subtree, or
Placement's own history exported with `git archive` can lack the outer
`__init__.py` files, so modules are indexed as `placement.handlers.trait`
while the code names them `a.b.placement.handlers.trait`. Every name the
code uses resolves by its longest suffix that names exactly one project
module: the findings are those of the intact tree.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import findings_of, real_tree, run_cli

pytestmark = pytest.mark.realtree


def test_placement_below_packages_without_init_files_reports_the_same(tmp_path: Path) -> None:
    original = real_tree("openstack-placement", "16.0.0")
    intact = findings_of(run_cli(cwd=original).stdout)
    root = tmp_path / "checkout"
    shutil.copytree(original / "placement", root / "a" / "b" / "placement")
    (root / "setup.cfg").write_text("[metadata]\nname = checkout\n")
    for path in (root / "a" / "b" / "placement").rglob("*.py"):
        text = path.read_text()
        moved = re.sub(r"\b(from|import) placement\b", r"\1 a.b.placement", text)
        if moved != text:
            path.write_text(moved)
    assert not (root / "a" / "__init__.py").exists() and not (root / "a" / "b" / "__init__.py").exists()
    result = run_cli(cwd=root)
    assert result.stderr == ""
    moved_rows = [(path.removeprefix("a/b/"), line, code) for path, line, code in findings_of(result.stdout)]
    assert moved_rows == intact and intact  # RVL301/RVL302 and RVL203 of the intact tree, nothing else
    shown = run_cli("--show-project", cwd=root).stdout
    assert "37 routes, 37 resolve to handlers" in shown and "microversion gates: 90" in shown


@pytest.mark.realtree
@pytest.mark.parametrize("layout", ["placement", "nova"])
def test_the_cheap_module_name_test_never_refuses_a_name_the_index_resolves(layout: str) -> None:
    # The prefilter asks `may_name_module` before building the module index:
    # it must say yes to every name the index resolves, suffixes included.
    from reviewlint.core.config import load_config
    from reviewlint.model.project import Project

    root = real_tree("openstack-placement", "16.0.0") if layout == "placement" else real_tree("nova", "18.0.2")
    project = Project(root, load_config(root))
    names = set(project.index.by_name)
    asked = names | {f"{outer}.{name}" for name in names for outer in ("nova.api.openstack", "x")}
    asked |= {name.rsplit(".", 1)[-1] for name in names} | {"oslo_log.log", "webob.dec"}
    resolved = [name for name in sorted(asked) if project.index.canonical(name) is not None]
    assert len(resolved) > len(names)  # suffixes resolve too
    assert all(project.may_name_module(name) for name in resolved)
    assert not project.may_name_module("webob.dec")
