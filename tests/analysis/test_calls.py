"""The one call resolver, tested once for every walker that asks it (inline expectations).

Each line of reviewlint/fixtures/analysis/calls ending in `# $ callee=NAME` holds a call; the
resolver must say it runs NAME (a dotted function or method), `none` (nothing of the project,
or not known) or `unresolved` (project code that cannot be found), as CodeQL's library tests do.
`fixed=A,k=B` lists the arguments a `functools.partial` fixed for the call, in binding order
(a line without it: none).
"""

from __future__ import annotations

import re
from pathlib import Path

import libcst as cst
import pytest

from conftest import FIXTURES
from reviewlint.analysis.calls import bind
from reviewlint.analysis.resolver import UNRESOLVED, Callee, resolver_for
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


def _answer(project: Project, path: Path, line: int) -> dict[str, str]:
    module = project.module_at(path)
    call = _call_on(module, line)
    found = resolver_for(project).target(module, _function_at(module, line), call.func)
    if found is None:
        return {"callee": "none"}
    if found is UNRESOLVED:
        return {"callee": "unresolved"}
    assert isinstance(found, Callee)
    answer = {"callee": f"{found.ref.module}.{found.ref.name}"}
    if found.fixed:
        answer["fixed"] = ",".join(_code(arg) for arg in found.fixed)
    return answer


def _code(arg: cst.Arg) -> str:
    value = cst.Module([]).code_for_node(arg.value)
    return f"{arg.keyword.value}={value}" if arg.keyword is not None else value


EXPECTED = expectations(CALLS)


def test_the_fixture_states_what_it_tests() -> None:
    assert len(EXPECTED) >= 20
    assert {tags["callee"] for _, _, tags in EXPECTED} >= {"none", "unresolved", "svc.lib.Box.open"}
    assert sum("fixed" in tags for _, _, tags in EXPECTED) >= 6


@pytest.mark.parametrize("path, line, tags", EXPECTED, ids=[f"{p.name}:{n}" for p, n, _ in EXPECTED])
def test_each_call_resolves_as_its_comment_says(path: Path, line: int, tags: dict[str, str]) -> None:
    project = Project(CALLS, load_config(CALLS))
    assert _answer(project, path, line) == tags


PARTIALS = [(path, line) for path, line, _ in EXPECTED if path.name == "partials.py"]


@pytest.mark.parametrize("path, line", PARTIALS, ids=[f"{p.name}:{n}" for p, n in PARTIALS])
def test_callee_leaves_calls_through_a_partial_as_they_were(path: Path, line: int) -> None:
    # A walker that asks `callee` binds the call's own arguments only: a partial's function would get them
    # at the wrong positions, so `callee` answers "nothing known", as before partials were followed.
    project = Project(CALLS, load_config(CALLS))
    module = project.module_at(path)
    assert resolver_for(project).callee(module, _function_at(module, line), _call_on(module, line).func) is None


def test_fixed_arguments_bind_first_and_the_calls_keywords_win() -> None:
    project = Project(CALLS, load_config(CALLS))
    path = CALLS / "svc" / "partials.py"
    module = project.module_at(path)
    line = next(n for p, n, tags in EXPECTED if p == path and tags.get("fixed") == "schema=SCHEMA,1")
    call = cst.parse_expression("twice(2, schema=OTHER)")
    assert isinstance(call, cst.Call)
    resolver = resolver_for(project)
    found = resolver.target(module, _function_at(module, line), call.func)
    assert isinstance(found, Callee)
    bound = {param: cst.Module([]).code_for_node(expr) for param, expr in bind(call, ("req", "x"), found.fixed)}
    assert bound == {"schema": "OTHER", "req": "1", "x": "2"}
    assert [_code(arg) for arg in resolver.arguments(module, _function_at(module, line), call)] == [
        "schema=SCHEMA", "1", "2", "schema=OTHER"]


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


def test_partials_that_name_each_other_resolve_in_time(tmp_path: Path) -> None:
    # A name bound 60 times to a partial of another, bound 60 times to a partial of the first: 60**6 unmemoised.
    import shutil
    import time

    root = shutil.copytree(CALLS, tmp_path / "calls")
    body = "".join("    a = partial(b)\n    b = partial(a)\n" for _ in range(60))
    (root / "svc" / "loops.py").write_text(f"from functools import partial\n\n\ndef handler(req):\n{body}    a(req)\n")
    project = Project(root, load_config(root))
    module = project.module_at(root / "svc" / "loops.py")
    call = _call_on(module, body.count("\n") + 5)  # the line of `a(req)`
    start = time.monotonic()
    assert resolver_for(project).target(module, module.functions[0], call.func) is UNRESOLVED
    assert time.monotonic() - start < 2


def test_a_modules_global_declarations_are_read_in_one_walk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What a module global is bound to includes the functions declaring it `global`: asked of many
    # names (every receiver whose class is looked up), the module's functions are walked once.
    import shutil

    from reviewlint.analysis import resolver as resolver_module

    root = shutil.copytree(CALLS, tmp_path / "calls")
    functions = "".join(f"def f{n}(req):\n    x = {n}\n    return x\n\n\n" for n in range(5))
    (root / "svc" / "plain.py").write_text(functions)
    (root / "svc" / "declared.py").write_text(functions + "def g():\n    global BOX\n    BOX = Box()\n")
    project = Project(root, load_config(root))
    walks: list[object] = []
    own_nodes = resolver_module._own_nodes
    monkeypatch.setattr(resolver_module, "_own_nodes", lambda body: (walks.append(body), own_nodes(body))[1])
    resolver = resolver_for(project)
    plain = project.module_at(root / "svc" / "plain.py")
    declared = project.module_at(root / "svc" / "declared.py")
    assert [resolver._global_values(plain, name) for name in ("A", "B", "C")] == [[], [], []]
    assert walks == []  # no `global` in its text: none of its functions is walked for one
    found = [[cst.Module([]).code_for_node(value) for value in resolver._global_values(declared, name)]
             for name in ("A", "BOX", "C")]
    assert found == [[], ["Box()"], []]
    assert len(walks) <= 6 + 1  # each function once, g's body once more for its assignments
