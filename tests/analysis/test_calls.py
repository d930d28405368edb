"""The one call resolver, tested once for every walker that asks it (inline expectations).

Each line of reviewlint/fixtures/analysis/calls ending in `# $ callee=NAME` holds a call; the
resolver must say it runs NAME (a dotted function or method), `none` (nothing of the project,
or not known) or `unresolved` (project code that cannot be found), as CodeQL's library tests do.
"""

from __future__ import annotations

import re
from pathlib import Path

import libcst as cst
import pytest

from conftest import FIXTURES
from reviewlint.analysis.resolver import UNRESOLVED, resolver_for
from reviewlint.core.config import load_config
from reviewlint.model.module import walk
from reviewlint.model.project import Project

CALLS = FIXTURES / "analysis" / "calls"
TAG = re.compile(r"#\s*\$\s*(.*)$")


def expectations(root: Path) -> list[tuple[Path, int, dict[str, str]]]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = TAG.search(line)
            if match:
                found.append((path, number, dict(part.split("=", 1) for part in match.group(1).split())))
    return found


def _call_on(module, line: int) -> cst.Call:
    return next(node for node in walk(module.tree) if isinstance(node, cst.Call) and module.line_of(node) == line)


def _function_at(module, line: int):
    around = [f for f in (*module.functions, *module.methods)
              if module.line_of(f.node) <= line <= module.end_of(f.node)[0]]
    return max(around, key=lambda f: module.line_of(f.node)) if around else None


def _answer(project: Project, path: Path, line: int) -> str:
    module = project.module_at(path)
    call = _call_on(module, line)
    found = resolver_for(project).callee(module, _function_at(module, line), call.func)
    if found is None:
        return "none"
    if found is UNRESOLVED:
        return "unresolved"
    return f"{found.module}.{found.name}"


EXPECTED = expectations(CALLS)


def test_the_fixture_states_what_it_tests() -> None:
    assert len(EXPECTED) >= 20
    assert {tags["callee"] for _, _, tags in EXPECTED} >= {"none", "unresolved", "svc.lib.Box.open"}


@pytest.mark.parametrize("path, line, tags", EXPECTED, ids=[f"{p.name}:{n}" for p, n, _ in EXPECTED])
def test_each_call_resolves_as_its_comment_says(path: Path, line: int, tags: dict[str, str]) -> None:
    project = Project(CALLS, load_config(CALLS))
    assert _answer(project, path, line) == tags["callee"]


def test_bindings_that_name_each_other_resolve_in_time(tmp_path: Path) -> None:
    # A receiver bound 60 times to each of two names bound to each other: 60**6 paths unmemoised.
    import shutil
    import time

    root = shutil.copytree(CALLS, tmp_path / "calls")
    body = "".join("    a = b\n    b = a\n" for _ in range(60))
    (root / "svc" / "loops.py").write_text(f"def handler(req):\n{body}    a.open(req)\n")
    project = Project(root, load_config(root))
    module = project.module_at(root / "svc" / "loops.py")
    call = _call_on(module, body.count("\n") + 2)  # the line of `a.open(req)`
    start = time.monotonic()
    assert resolver_for(project).callee(module, module.functions[0], call.func) is None
    assert time.monotonic() - start < 2
